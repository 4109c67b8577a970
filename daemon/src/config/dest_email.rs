//! `[destinations.NAME]` with `type = "email"`: reads and checks every key into an
//! [`EmailPlan`] (no I/O: the password is only located, the CA file only resolved).
//!
//! Security rules enforced here: `tls = "none"` with a `user` is refused unless
//! `allow_plain_auth = true` (the password would cross the network in clear), and a
//! password needs a user and vice versa.

use std::path::Path;
use std::time::Duration;

use lettre::message::Mailbox;

use super::plan::{EmailPlan, EmailTls, Oversize};
use super::raw::{Diagnostics, Field, Table};
use super::secrets::{PASSWORD_KEYS, read_secret};
use super::validate::read_path;
use crate::deliver::email::parse_mailbox;
use crate::deliver::email::template::{DEFAULT_BODY, DEFAULT_SUBJECT, MailTemplate};

/// The keys of `type = "email"` (besides the common ones).
pub(super) const EMAIL_KEYS: &[&str] = &[
    "host",
    "port",
    "tls",
    "allow_plain_auth",
    "ca_file",
    "insecure_skip_verify",
    "user",
    "password",
    "password_file",
    "password_env",
    "password_credential",
    "from",
    "to",
    "cc",
    "bcc",
    "reply_to",
    "subject",
    "body",
    "max_attachment_size",
    "oversize",
    "connect_timeout",
];

/// Default `max_attachment_size`: 20 MiB. Base64 makes the mail about 27 MiB; providers
/// with a 25 MB cap need a lower value (the `SMTP_SIZE` message says so).
pub const DEFAULT_MAX_ATTACHMENT: u64 = 20 * 1024 * 1024;

/// Default `connect_timeout`.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(15);

/// `type = "email"`.
pub(super) fn read_email(
    t: &Table<'_, '_>,
    base: &Path,
    diags: &mut Diagnostics,
) -> Option<EmailPlan> {
    let host = t
        .required("host", "host = \"smtp.example.com\"", diags)
        .and_then(|f| read_host(&f, diags));
    let tls = match t.get("tls") {
        Some(f) => f
            .choice(&["starttls", "implicit", "none"], diags)
            .map(|c| match c {
                "implicit" => EmailTls::Implicit,
                "none" => EmailTls::None,
                _ => EmailTls::StartTls,
            }),
        None => Some(EmailTls::StartTls),
    };
    let port = match t.get("port") {
        // In 1..=65535, so the cast cannot truncate.
        Some(f) => f.integer(1..=65535, diags).map(|p| Some(p as u16)),
        None => Some(None),
    };
    let allow_plain_auth = t
        .get("allow_plain_auth")
        .and_then(|f| f.bool(diags))
        .unwrap_or(false);
    let ca_file_field = t.get("ca_file");
    let ca_file = match &ca_file_field {
        Some(f) => read_path(f, base, "/etc/reportd/mail-ca.pem", diags).map(Some),
        None => Some(None),
    };
    let insecure_skip_verify = t
        .get("insecure_skip_verify")
        .and_then(|f| f.bool(diags))
        .unwrap_or(false);
    let user_field = t.get("user");
    let user = match &user_field {
        Some(f) => match f.str(diags) {
            Some("") => {
                f.error(
                    diags,
                    "empty user".to_owned(),
                    "give the login name, or remove `user` to send without AUTH".to_owned(),
                );
                None
            }
            Some(u) => Some(Some(u.to_owned())),
            None => None,
        },
        None => Some(None),
    };
    let password = read_secret(t, PASSWORD_KEYS, base, diags);
    let from = t
        .required("from", "from = \"Reports <reports@example.com>\"", diags)
        .and_then(|f| read_mailbox(&f, diags));
    let to = match t.required("to", "to = [\"ops@customer.example\"]", diags) {
        Some(f) => read_mailboxes(&f, true, diags),
        None => None,
    };
    let cc = match t.get("cc") {
        Some(f) => read_mailboxes(&f, false, diags),
        None => Some(Vec::new()),
    };
    let bcc = match t.get("bcc") {
        Some(f) => read_mailboxes(&f, false, diags),
        None => Some(Vec::new()),
    };
    let reply_to = match t.get("reply_to") {
        Some(f) => read_mailbox(&f, diags).map(Some),
        None => Some(None),
    };
    let subject = read_template(t.get("subject"), DEFAULT_SUBJECT, true, diags);
    let body = read_template(t.get("body"), DEFAULT_BODY, false, diags);
    let max_attachment_size = match t.get("max_attachment_size") {
        Some(f) => read_size(&f, diags),
        None => Some(DEFAULT_MAX_ATTACHMENT),
    };
    let oversize = match t.get("oversize") {
        Some(f) => f.choice(&["fail", "zip"], diags).map(|c| match c {
            "zip" => Oversize::Zip,
            _ => Oversize::Fail,
        }),
        None => Some(Oversize::Fail),
    };
    let connect_timeout = match t.get("connect_timeout") {
        Some(f) => f.duration(diags),
        None => Some(DEFAULT_CONNECT_TIMEOUT),
    };

    // Rules across keys, once the keys themselves are readable.
    if let (Some(tls), Some(user), Some(password)) = (tls, &user, &password) {
        if let (Some(u), Some(f)) = (user, &user_field)
            && tls == EmailTls::None
            && !allow_plain_auth
        {
            f.error(
                diags,
                format!(
                    "user {u:?} with tls = \"none\" would send the password unencrypted"
                ),
                "use tls = \"starttls\" (port 587) or \"implicit\" (465); if the link is trusted, set allow_plain_auth = true".to_owned(),
            );
        }
        match (user, password, &user_field) {
            (Some(_), None, Some(f)) => f.error(
                diags,
                "`user` is set but no password".to_owned(),
                "add password_file = \"/etc/reportd/smtp.pw\" (or password_env / password_credential)"
                    .to_owned(),
            ),
            (None, Some(_), _) => {
                if let Some(f) = PASSWORD_KEYS.iter().find_map(|k| t.get(k)) {
                    f.error(
                        diags,
                        "a password is set but no `user`".to_owned(),
                        "add user = \"login\", or remove the password to send without AUTH"
                            .to_owned(),
                    );
                }
            }
            _ => {}
        }
    }
    if let (Some(EmailTls::None), Some(f)) = (tls, &ca_file_field) {
        f.error(
            diags,
            "ca_file has no effect with tls = \"none\"".to_owned(),
            "remove ca_file, or use tls = \"starttls\" / \"implicit\"".to_owned(),
        );
    }
    if let (Some(EmailTls::None), Some(f), true) =
        (tls, t.get("insecure_skip_verify"), insecure_skip_verify)
    {
        f.error(
            diags,
            "insecure_skip_verify has no effect with tls = \"none\"".to_owned(),
            "remove it".to_owned(),
        );
    }
    let tls = tls?;
    Some(EmailPlan {
        host: host?,
        port: port?.unwrap_or(tls.default_port()),
        tls,
        allow_plain_auth,
        ca_file: ca_file?,
        insecure_skip_verify,
        user: user?,
        password: password?,
        from: from?,
        to: to?,
        cc: cc?,
        bcc: bcc?,
        reply_to: reply_to?,
        subject: subject?,
        body: body?,
        max_attachment_size: max_attachment_size?,
        oversize: oversize?,
        connect_timeout: connect_timeout?,
    })
}

fn read_host(f: &Field<'_, '_>, diags: &mut Diagnostics) -> Option<String> {
    let s = f.str(diags)?;
    if s.is_empty() || s.contains(char::is_whitespace) || s.contains('/') || s.contains("://") {
        f.error(
            diags,
            format!("invalid host {s:?}"),
            "write only the server's name or IP address, e.g. \"smtp.example.com\"; the port goes in `port`".to_owned(),
        );
        return None;
    }
    Some(s.to_owned())
}

fn read_mailbox(f: &Field<'_, '_>, diags: &mut Diagnostics) -> Option<Mailbox> {
    let s = f.str(diags)?;
    match parse_mailbox(s) {
        Ok(m) => Some(m),
        Err(e) => {
            f.error(
                diags,
                e,
                "write an address such as \"ops@example.com\" or \"Ops <ops@example.com>\""
                    .to_owned(),
            );
            None
        }
    }
}

/// A string or a list of mailboxes; `required`: at least one.
fn read_mailboxes(
    f: &Field<'_, '_>,
    required: bool,
    diags: &mut Diagnostics,
) -> Option<Vec<Mailbox>> {
    if f.value.get_ref().is_str() {
        return read_mailbox(f, diags).map(|m| vec![m]);
    }
    let items = f.array(
        diags,
        "write a list such as [\"a@example.com\", \"b@example.com\"]",
    )?;
    if required && items.is_empty() {
        f.error(
            diags,
            "no recipients".to_owned(),
            "list at least one address, e.g. to = [\"ops@customer.example\"]".to_owned(),
        );
        return None;
    }
    let mut out = Vec::with_capacity(items.len());
    let mut ok = true;
    for item in &items {
        match read_mailbox(item, diags) {
            Some(m) => out.push(m),
            None => ok = false,
        }
    }
    ok.then_some(out)
}

fn read_template(
    f: Option<Field<'_, '_>>,
    default: &str,
    subject: bool,
    diags: &mut Diagnostics,
) -> Option<MailTemplate> {
    let parse = |s: &str| {
        if subject {
            MailTemplate::parse_subject(s)
        } else {
            MailTemplate::parse_body(s)
        }
    };
    let Some(f) = f else {
        // The defaults are tested to parse.
        return parse(default).ok();
    };
    let s = f.str(diags)?;
    match parse(s) {
        Ok(t) => Some(t),
        Err(e) => {
            f.error(
                diags,
                e,
                "placeholders: {schedule}, {report}, {run_id}, {file}, {rows}, {bytes}, {period_start:%d/%m/%Y}, {period_end:FMT}, {period_last:FMT}; {{ and }} for braces".to_owned(),
            );
            None
        }
    }
}

fn read_size(f: &Field<'_, '_>, diags: &mut Diagnostics) -> Option<u64> {
    const FIX: &str = "write a size such as \"20MiB\", \"500KiB\" or \"25MB\"";
    let Some(s) = f.value.get_ref().as_str() else {
        // A bare number could be bytes or MiB: make the author say.
        f.type_error(diags, "a size string", FIX);
        return None;
    };
    match parse_size(s) {
        Ok(0) => {
            f.error(
                diags,
                format!("size {s:?} must be larger than zero"),
                FIX.to_owned(),
            );
            None
        }
        Ok(n) => Some(n),
        Err(e) => {
            f.error(diags, e, FIX.to_owned());
            None
        }
    }
}

/// Parses a size: a whole or decimal number and a unit — `B`, `KB`/`MB`/`GB` (powers of
/// 1000) or `KiB`/`MiB`/`GiB` (powers of 1024), case-insensitive, spaces allowed between.
pub fn parse_size(s: &str) -> Result<u64, String> {
    let t = s.trim();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let unit = unit.trim();
    let mult: u64 = match unit.to_ascii_lowercase().as_str() {
        "b" => 1,
        "kb" | "k" => 1000,
        "mb" | "m" => 1000 * 1000,
        "gb" | "g" => 1000 * 1000 * 1000,
        "kib" => 1 << 10,
        "mib" => 1 << 20,
        "gib" => 1 << 30,
        "" => return Err(format!("size {s:?} has no unit")),
        _ => return Err(format!("size {s:?} has an unknown unit {unit:?}")),
    };
    let bad = || format!("size {s:?} does not start with a number");
    if num.is_empty() || num.matches('.').count() > 1 || num.starts_with('.') {
        return Err(bad());
    }
    let (whole, frac) = num.split_once('.').unwrap_or((num, ""));
    let whole: u64 = whole.parse().map_err(|_| bad())?;
    let mut n = whole
        .checked_mul(mult)
        .ok_or_else(|| format!("size {s:?} is too large"))?;
    if !frac.is_empty() {
        // Decimal digits exactly, without floats: 1.5MiB = 1 MiB + 5 × 2^20 / 10.
        let digits = u32::try_from(frac.len()).map_err(|_| bad())?;
        let scale = 10u64
            .checked_pow(digits)
            .ok_or_else(|| format!("size {s:?} has too many decimals"))?;
        let f: u64 = frac.parse().map_err(|_| bad())?;
        let add = u128::from(f) * u128::from(mult) / u128::from(scale);
        n = n
            .checked_add(u64::try_from(add).map_err(|_| bad())?)
            .ok_or_else(|| format!("size {s:?} is too large"))?;
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes() {
        assert_eq!(parse_size("20MiB"), Ok(20 * 1024 * 1024));
        assert_eq!(parse_size("25 MiB"), Ok(25 * 1_048_576));
        assert_eq!(parse_size("25MB"), Ok(25_000_000));
        assert_eq!(parse_size("512kib"), Ok(524_288));
        assert_eq!(parse_size("100B"), Ok(100));
        // 1 × 1048576 + 5 × 1048576 / 10 = 1572864
        assert_eq!(parse_size("1.5MiB"), Ok(1_572_864));
        assert_eq!(parse_size("2GiB"), Ok(2_147_483_648));
        assert!(parse_size("20").unwrap_err().contains("no unit"));
        assert!(
            parse_size("20 parsecs")
                .unwrap_err()
                .contains("unknown unit")
        );
        assert!(parse_size("MiB").is_err());
        assert!(parse_size("1.2.3MiB").is_err());
        assert!(
            parse_size("99999999999999GiB")
                .unwrap_err()
                .contains("too large")
        );
    }
}
