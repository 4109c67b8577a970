//! `type = "email"` against a real SMTP server (the aiosmtpd sink of
//! `scripts/servers/smtp.sh`): STARTTLS, implicit TLS and opt-in plain; AUTH; untrusted
//! certificates; 4xx vs 5xx; server down then up; size limits and zip; `check()`.
//!
//! Destinations are built from TOML through `reportd::config::load`, so the config reader
//! is exercised too. Each test mails its own unique recipient and finds its message in
//! `$MAIL_DIR` by the sink's JSON sidecar, so tests run in parallel safely.

// Test helpers outside #[test] fns are not covered by clippy's allow-unwrap-in-tests.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;
use std::io::Read;
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use chrono::TimeZone;
use mail_parser::{MessageParser, MimeHeaders};
use reportd::code::Code;
use reportd::config::{DestinationPlan, RetryPolicy};
use reportd::deliver::retry::deliver_with_retry;
use reportd::deliver::{DeliveryError, Destination, OutgoingFile, RunContext};
use sha2::{Digest, Sha256};

fn servers() -> HashMap<String, String> {
    reportd_tests::servers()
}

fn env(key: &str) -> String {
    servers()
        .get(key)
        .cloned()
        .unwrap_or_else(|| panic!("{key} missing from the test servers' env file"))
}

static SEQ: AtomicU32 = AtomicU32::new(0);

/// A recipient no other test uses.
fn unique(tag: &str) -> String {
    let n = SEQ.fetch_add(1, Ordering::SeqCst);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    format!("{tag}-{}-{n}-{nanos}@customer.example", std::process::id())
}

/// A config tree with one `[destinations.mail]` of `type = "email"` plus `body` lines.
struct Cfg {
    dir: tempfile::TempDir,
}

impl Cfg {
    fn new() -> Self {
        Self {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    fn load(&self, body: &str) -> Result<DestinationPlan, String> {
        let main = self.dir.path().join("reportd.toml");
        std::fs::write(
            &main,
            format!(
                "[daemon]\ntimezone = \"UTC\"\nstate_dir = \"state\"\n\n[destinations.mail]\ntype = \"email\"\n{body}\n"
            ),
        )
        .unwrap();
        match reportd::config::load(&main) {
            Ok(plan) => Ok(plan.destinations["mail"].clone()),
            Err(e) => Err(e.to_string()),
        }
    }

    fn dest(&self, body: &str) -> Destination {
        let plan = self
            .load(body)
            .unwrap_or_else(|e| panic!("config rejected: {e}"));
        Destination::from_plan(&plan)
    }

    /// A report file in the tree, with its sha256.
    fn file(&self, name: &str, bytes: &[u8]) -> OutgoingFile {
        let path = self.dir.path().join(format!("src-{name}"));
        std::fs::write(&path, bytes).unwrap();
        OutgoingFile {
            path,
            name: name.to_owned(),
            bytes: bytes.len() as u64,
            sha256: hex::encode(Sha256::digest(bytes)),
            context: Some(context()),
        }
    }
}

/// "yesterday" of a 06:00 fire on 2026-11-21 in São Paulo.
fn context() -> RunContext {
    let tz = chrono_tz::America::Sao_Paulo;
    RunContext {
        schedule: "acme-sl-daily".into(),
        report: "telephony.service_level".into(),
        run_id: "run-0192".into(),
        rows: Some(48),
        period_start: tz.with_ymd_and_hms(2026, 11, 20, 0, 0, 0).unwrap(),
        period_end: tz.with_ymd_and_hms(2026, 11, 21, 0, 0, 0).unwrap(),
    }
}

/// Settings for the STARTTLS listener with the right password and CA.
fn starttls(to: &str) -> String {
    format!(
        "host = \"127.0.0.1\"\nport = {}\nuser = \"{}\"\npassword = \"{}\"\nca_file = \"{}\"\nfrom = \"Reports <reports@reportd.example>\"\nto = [\"{to}\"]\n",
        env("SMTP_STARTTLS_PORT"),
        env("USER"),
        env("PASSWORD"),
        env("TLS_CA"),
    )
}

/// Settings for the scripted (misbehaving) listener: plain, no AUTH.
fn scripted(to: &str) -> String {
    format!(
        "host = \"127.0.0.1\"\nport = {}\ntls = \"none\"\nfrom = \"reports@reportd.example\"\nto = \"{to}\"\n",
        env("SMTP_SCRIPTED_PORT"),
    )
}

/// Makes the scripted listener answer the next message to `rcpt` with `reply`.
fn script(rcpt: &str, reply: &str) {
    std::fs::write(
        Path::new(&env("MAIL_DIR")).join(format!("next_reply.{rcpt}")),
        reply,
    )
    .unwrap();
}

/// A stored message: the sink's sidecar and the raw bytes.
struct Stored {
    meta: serde_json::Value,
    eml: Vec<u8>,
}

/// Every stored message one of whose envelope recipients is `rcpt`.
fn mails_to(rcpt: &str) -> Vec<Stored> {
    let dir = PathBuf::from(env("MAIL_DIR"));
    let mut out = Vec::new();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let p = entry.unwrap().path();
        if p.extension().is_none_or(|e| e != "json") {
            continue;
        }
        let meta: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&p).unwrap()).unwrap();
        let hit = meta["rcpt_tos"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r.as_str() == Some(rcpt));
        if hit {
            let eml = std::fs::read(p.with_extension("eml")).unwrap();
            out.push(Stored { meta, eml });
        }
    }
    out
}

fn the_mail_to(rcpt: &str) -> Stored {
    let mut v = mails_to(rcpt);
    assert_eq!(v.len(), 1, "expected exactly one mail to {rcpt}");
    v.remove(0)
}

/// CSV with LF line ends and accents: bytes a 7bit/8bit encoding would alter.
fn csv_bytes(lines: usize) -> Vec<u8> {
    let mut s = String::from("fila;atendidas;nível de serviço\n");
    for i in 0..lines {
        s.push_str(&format!("vendas-{i};{};{},5%\n", i * 7 % 101, i % 100));
    }
    s.into_bytes()
}

/// Incompressible bytes (xorshift64), for size tests.
fn noise(n: usize) -> Vec<u8> {
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect()
}

fn fast_retry(attempts: u32) -> RetryPolicy {
    RetryPolicy {
        attempts,
        initial: Duration::from_millis(100),
        max_delay: Duration::from_millis(300),
        max_elapsed: Duration::from_secs(60),
    }
}

fn assert_err(e: &DeliveryError, code: Code, transient: bool) {
    assert_eq!(e.code, code, "{e}");
    assert_eq!(e.is_transient(), transient, "{e}");
}

#[tokio::test]
async fn starttls_auth_delivers_exact_bytes_and_headers() {
    let cfg = Cfg::new();
    let to = unique("to");
    let cc = unique("cc");
    let bcc = unique("bcc");
    let dest = cfg.dest(&format!(
        "{}cc = [\"Copy <{cc}>\"]\nbcc = [\"{bcc}\"]\nreply_to = \"support@reportd.example\"\nsubject = \"[{{schedule}}] {{report}} {{period_start:%d/%m/%Y}} ({{rows}} linhas)\"\nbody = \"Arquivo {{file}}, {{bytes}} bytes, run {{run_id}}, até {{period_last:%d/%m}}.\"\n",
        starttls(&to)
    ));
    let data = csv_bytes(2000);
    let file = cfg.file("acme_sl_20261120.csv", &data);
    let receipt = dest.deliver(&file).await.unwrap();
    assert_eq!(receipt.bytes, data.len() as u64);
    assert!(
        receipt
            .remote_path
            .starts_with(&format!("mailto:{to},{cc},{bcc} (via 127.0.0.1:"))
    );

    let stored = the_mail_to(&to);
    assert_eq!(stored.meta["tls"], "starttls");
    assert_eq!(stored.meta["auth_user"], env("USER"));
    assert_eq!(stored.meta["mail_from"], "reports@reportd.example");
    // to, cc and bcc are all envelope recipients; bcc is in no header.
    let rcpts: Vec<&str> = stored.meta["rcpt_tos"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert_eq!(rcpts, vec![to.as_str(), cc.as_str(), bcc.as_str()]);
    let raw = String::from_utf8_lossy(&stored.eml);
    assert!(!raw.contains(&bcc), "bcc leaked into the headers");
    // Base64 lines of at most 76 columns (RFC 2045), under the 998 SMTP limit.
    assert!(raw.lines().all(|l| l.len() <= 998));

    let msg = MessageParser::default().parse(&stored.eml).unwrap();
    assert_eq!(
        msg.subject(),
        Some("[acme-sl-daily] telephony.service_level 20/11/2026 (48 linhas)")
    );
    assert_eq!(
        msg.to().unwrap().first().unwrap().address(),
        Some(to.as_str())
    );
    let cc_addr = msg.cc().unwrap().first().unwrap();
    assert_eq!(cc_addr.address(), Some(cc.as_str()));
    assert_eq!(cc_addr.name.as_deref(), Some("Copy"));
    assert_eq!(
        msg.reply_to().unwrap().first().unwrap().address(),
        Some("support@reportd.example")
    );
    assert!(msg.bcc().is_none());
    // period_last = 2026-11-21 00:00 − 1 s = 20/11.
    assert_eq!(
        msg.body_text(0).unwrap().trim_end(),
        format!(
            "Arquivo acme_sl_20261120.csv, {} bytes, run run-0192, até 20/11.",
            data.len()
        )
    );
    let atts: Vec<_> = msg.attachments().collect();
    assert_eq!(atts.len(), 1);
    let att = atts[0];
    assert_eq!(att.attachment_name(), Some("acme_sl_20261120.csv"));
    let ct = att.content_type().unwrap();
    assert_eq!(ct.ctype(), "text");
    assert_eq!(ct.subtype(), Some("csv"));
    assert_eq!(ct.attribute("charset"), Some("utf-8"));
    assert_eq!(hex::encode(Sha256::digest(att.contents())), file.sha256);
}

#[tokio::test]
async fn default_subject_and_body() {
    let cfg = Cfg::new();
    let to = unique("defaults");
    let dest = cfg.dest(&starttls(&to));
    let file = cfg.file("sl.csv", b"a;b\n1;2\n");
    dest.deliver(&file).await.unwrap();
    let stored = the_mail_to(&to);
    let msg = MessageParser::default().parse(&stored.eml).unwrap();
    assert_eq!(msg.subject(), Some("telephony.service_level — 2026-11-20"));
    let body = msg.body_text(0).unwrap();
    // 8 bytes: "a;b\n1;2\n".
    assert!(
        body.contains("relatório telephony.service_level do período de 20/11/2026 a 20/11/2026: 48 linhas, arquivo sl.csv (8 bytes)"),
        "{body}"
    );
    assert!(body.contains("48 rows, file sl.csv"), "{body}");
}

#[tokio::test]
async fn implicit_tls_delivers() {
    let cfg = Cfg::new();
    let to = unique("implicit");
    let dest = cfg.dest(&format!(
        "host = \"127.0.0.1\"\nport = {}\ntls = \"implicit\"\nuser = \"{}\"\npassword_file = \"{}\"\nca_file = \"{}\"\nfrom = \"reports@reportd.example\"\nto = \"{to}\"\n",
        env("SMTP_IMPLICIT_PORT"),
        env("USER"),
        {
            let p = cfg.dir.path().join("smtp.pw");
            std::fs::write(&p, format!("{}\n", env("PASSWORD"))).unwrap();
            p.display().to_string()
        },
        env("TLS_CA"),
    ));
    // An xlsx-named binary file: application type, bytes intact.
    let data = noise(50_000);
    let file = cfg.file("r.xlsx", &data);
    dest.deliver(&file).await.unwrap();
    let stored = the_mail_to(&to);
    assert_eq!(stored.meta["tls"], "implicit");
    assert_eq!(stored.meta["auth_user"], env("USER"));
    let msg = MessageParser::default().parse(&stored.eml).unwrap();
    let att = msg.attachments().next().unwrap();
    assert_eq!(
        att.content_type().unwrap().subtype(),
        Some("vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    );
    assert_eq!(hex::encode(Sha256::digest(att.contents())), file.sha256);
}

#[tokio::test]
async fn plain_only_when_opted_in() {
    let cfg = Cfg::new();
    let plain_port = env("SMTP_PLAIN_PORT");
    // AUTH over plain without the opt-in is a config error naming the fix.
    let err = cfg
        .load(&format!(
            "host = \"127.0.0.1\"\nport = {plain_port}\ntls = \"none\"\nuser = \"u\"\npassword = \"p\"\nfrom = \"a@b.example\"\nto = \"c@d.example\"\n"
        ))
        .unwrap_err();
    assert!(err.contains("would send the password unencrypted"), "{err}");
    assert!(err.contains("allow_plain_auth = true"), "{err}");

    // tls = "none" without AUTH: delivered in clear.
    let to = unique("plain");
    let dest = cfg.dest(&format!(
        "host = \"127.0.0.1\"\nport = {plain_port}\ntls = \"none\"\nfrom = \"reports@reportd.example\"\nto = \"{to}\"\n"
    ));
    let file = cfg.file("p.csv", &csv_bytes(10));
    dest.deliver(&file).await.unwrap();
    let stored = the_mail_to(&to);
    assert_eq!(stored.meta["tls"], "none");
    assert_eq!(stored.meta["auth_user"], serde_json::Value::Null);

    // With the explicit opt-in, AUTH over plain works.
    let to = unique("plainauth");
    let dest = cfg.dest(&format!(
        "host = \"127.0.0.1\"\nport = {plain_port}\ntls = \"none\"\nallow_plain_auth = true\nuser = \"{}\"\npassword = \"{}\"\nfrom = \"reports@reportd.example\"\nto = \"{to}\"\n",
        env("USER"),
        env("PASSWORD")
    ));
    dest.deliver(&file).await.unwrap();
    let stored = the_mail_to(&to);
    assert_eq!(stored.meta["tls"], "none");
    assert_eq!(stored.meta["auth_user"], env("USER"));
    let msg = MessageParser::default().parse(&stored.eml).unwrap();
    let att = msg.attachments().next().unwrap();
    assert_eq!(hex::encode(Sha256::digest(att.contents())), file.sha256);
}

#[tokio::test]
async fn starttls_is_required_not_optional() {
    // The plain listener offers no STARTTLS: tls = "starttls" must fail, never fall back.
    let cfg = Cfg::new();
    let to = unique("nostarttls");
    let dest = cfg.dest(&format!(
        "host = \"127.0.0.1\"\nport = {}\nfrom = \"reports@reportd.example\"\nto = \"{to}\"\n",
        env("SMTP_PLAIN_PORT")
    ));
    let e = dest.deliver(&cfg.file("x.csv", b"x\n")).await.unwrap_err();
    assert_err(&e, Code::SmtpProtocol, false);
    assert!(e.message.contains("STARTTLS"), "{e}");
    assert!(mails_to(&to).is_empty());
}

#[tokio::test]
async fn wrong_password_is_permanent_smtp_auth() {
    let cfg = Cfg::new();
    let to = unique("badpw");
    let body = starttls(&to).replace(&env("PASSWORD"), "not-the-password");
    let dest = cfg.dest(&body);
    let file = cfg.file("x.csv", b"x\n");
    let e = dest.deliver(&file).await.unwrap_err();
    assert_err(&e, Code::SmtpAuth, false);
    assert!(e.message.contains("535"), "{e}");
    assert!(!e.message.contains("not-the-password"));
    // Permanent: the retry loop stops after one attempt.
    let a = deliver_with_retry(
        &dest,
        &file,
        &fast_retry(5),
        Duration::from_secs(30),
        |_, _, _| {},
    )
    .await;
    assert_eq!(a.attempts, 1);
    assert!(mails_to(&to).is_empty());
    // check() reports the same.
    assert_err(&dest.check().await.unwrap_err(), Code::SmtpAuth, false);
}

#[tokio::test]
async fn untrusted_certificate_is_tls_certificate() {
    let cfg = Cfg::new();
    let to = unique("rogue");
    let file = cfg.file("x.csv", b"x\n");
    // STARTTLS and implicit, trusting only the rogue CA (plus the system's roots).
    let starttls_rogue = starttls(&to).replace(&env("TLS_CA"), &env("TLS_ROGUE_CA"));
    let implicit_rogue = format!(
        "host = \"127.0.0.1\"\nport = {}\ntls = \"implicit\"\nca_file = \"{}\"\nuser = \"{}\"\npassword = \"{}\"\nfrom = \"reports@reportd.example\"\nto = \"{to}\"\n",
        env("SMTP_IMPLICIT_PORT"),
        env("TLS_ROGUE_CA"),
        env("USER"),
        env("PASSWORD")
    );
    // And without ca_file: the system's roots do not know the test CA either.
    let no_ca = starttls(&to).replace(&format!("ca_file = \"{}\"\n", env("TLS_CA")), "");
    assert_ne!(no_ca, starttls(&to));
    let mut cases = 0;
    for body in [starttls_rogue, implicit_rogue, no_ca] {
        let dest = cfg.dest(&body);
        let e = dest.deliver(&file).await.unwrap_err();
        assert_err(&e, Code::TlsCertificate, false);
        assert!(e.message.contains("not trusted"), "{e}");
        assert_err(
            &dest.check().await.unwrap_err(),
            Code::TlsCertificate,
            false,
        );
        cases += 1;
    }
    assert_eq!(cases, 3);
    assert!(mails_to(&to).is_empty());
}

#[tokio::test]
async fn insecure_skip_verify_accepts_the_unknown_ca() {
    let cfg = Cfg::new();
    let to = unique("insecure");
    let body = starttls(&to).replace(&format!("ca_file = \"{}\"\n", env("TLS_CA")), "")
        + "insecure_skip_verify = true\n";
    let dest = cfg.dest(&body);
    dest.deliver(&cfg.file("x.csv", b"x\n")).await.unwrap();
    assert_eq!(the_mail_to(&to).meta["tls"], "starttls");
}

#[tokio::test]
async fn temporary_4xx_is_retried_to_success() {
    let cfg = Cfg::new();
    let to = unique("t451");
    let dest = cfg.dest(&scripted(&to));
    let file = cfg.file("t.csv", &csv_bytes(50));
    // One attempt: 451 → SMTP_TEMPORARY, transient.
    script(&to, "451 4.3.0 try later");
    let e = dest.deliver(&file).await.unwrap_err();
    assert_err(&e, Code::SmtpTemporary, true);
    assert!(e.message.contains("451"), "{e}");
    assert!(mails_to(&to).is_empty());
    // Through the retry loop: fails once, then succeeds.
    script(&to, "451 4.3.0 try later");
    let mut failures = Vec::new();
    let a = deliver_with_retry(
        &dest,
        &file,
        &fast_retry(5),
        Duration::from_secs(30),
        |n, e, _| failures.push((n, e.code)),
    )
    .await;
    assert!(a.result.is_ok(), "{:?}", a.result);
    assert_eq!(a.attempts, 2);
    assert_eq!(failures, vec![(1, Code::SmtpTemporary)]);
    let stored = the_mail_to(&to);
    let msg = MessageParser::default().parse(&stored.eml).unwrap();
    let att = msg.attachments().next().unwrap();
    assert_eq!(hex::encode(Sha256::digest(att.contents())), file.sha256);
}

#[tokio::test]
async fn permanent_5xx_is_rejected_without_retry() {
    let cfg = Cfg::new();
    let to = unique("r550");
    let dest = cfg.dest(&scripted(&to));
    let file = cfg.file("t.csv", b"x\n");
    script(&to, "RCPT 550 5.1.1 no such user");
    let a = deliver_with_retry(
        &dest,
        &file,
        &fast_retry(5),
        Duration::from_secs(30),
        |_, _, _| {},
    )
    .await;
    assert_eq!(a.attempts, 1);
    let e = a.result.unwrap_err();
    assert_err(&e, Code::SmtpRejected, false);
    assert!(
        e.message.contains("550") && e.message.contains("no such user"),
        "{e}"
    );
    // A message refused at the end of DATA is rejected the same way.
    script(&to, "554 5.7.1 message refused");
    assert_err(
        &dest.deliver(&file).await.unwrap_err(),
        Code::SmtpRejected,
        false,
    );
    assert!(mails_to(&to).is_empty());
}

/// Copies bytes both ways between `a` and `b` until either side closes.
fn pipe(a: TcpStream, b: TcpStream) {
    let (mut a2, mut b2) = (a.try_clone().unwrap(), b.try_clone().unwrap());
    let (mut a, mut b) = (a, b);
    std::thread::spawn(move || {
        let _ = std::io::copy(&mut a2, &mut b2);
        let _ = b2.shutdown(std::net::Shutdown::Write);
    });
    std::thread::spawn(move || {
        let _ = std::io::copy(&mut b, &mut a);
        let _ = a.shutdown(std::net::Shutdown::Write);
    });
}

#[tokio::test]
async fn server_down_then_up_is_retried_to_success() {
    let cfg = Cfg::new();
    let to = unique("downup");
    // A port nothing listens on: bind, note, drop.
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let target = format!("127.0.0.1:{}", env("SMTP_STARTTLS_PORT"));
    // After ~1 s, a forwarder to the real server appears on that port; it serves the
    // connections of this test only and then goes away with the test process.
    std::thread::spawn(move || {
        std::thread::sleep(Duration::from_secs(1));
        let l = TcpListener::bind(("127.0.0.1", port)).unwrap();
        for c in l.incoming().take(4) {
            let c = c.unwrap();
            let s = TcpStream::connect(&target).unwrap();
            pipe(c, s);
        }
    });
    let body = starttls(&to).replace(
        &format!("port = {}", env("SMTP_STARTTLS_PORT")),
        &format!("port = {port}"),
    );
    let dest = cfg.dest(&body);
    let file = cfg.file("d.csv", &csv_bytes(100));
    let mut failures = Vec::new();
    // 40 attempts at most 300 ms apart cover the 1 s outage many times over.
    let a = deliver_with_retry(
        &dest,
        &file,
        &fast_retry(40),
        Duration::from_secs(30),
        |_, e, _| failures.push((e.code, e.is_transient())),
    )
    .await;
    assert!(a.result.is_ok(), "{:?}", a.result);
    assert!(a.attempts >= 2);
    assert!(!failures.is_empty());
    assert!(
        failures.iter().all(|f| *f == (Code::ConnectRefused, true)),
        "{failures:?}"
    );
    let stored = the_mail_to(&to);
    assert_eq!(stored.meta["tls"], "starttls");
}

#[tokio::test]
async fn over_max_attachment_size_fails_and_sends_nothing() {
    let cfg = Cfg::new();
    let to = unique("size");
    let dest = cfg.dest(&(starttls(&to) + "max_attachment_size = \"1KiB\"\n"));
    let file = cfg.file("big.csv", &csv_bytes(100));
    let size = file.bytes;
    assert!(size > 1024);
    let a = deliver_with_retry(
        &dest,
        &file,
        &fast_retry(5),
        Duration::from_secs(30),
        |_, _, _| {},
    )
    .await;
    assert_eq!(a.attempts, 1);
    let e = a.result.unwrap_err();
    assert_err(&e, Code::SmtpSize, false);
    assert!(e.message.contains(&format!("{size} bytes")), "{e}");
    assert!(e.message.contains("1024 bytes (1.0 KiB)"), "{e}");
    assert!(e.message.contains("oversize = \"zip\""), "{e}");
    assert!(Code::SmtpSize.hint().contains("oversize = \"zip\""));
    assert!(mails_to(&to).is_empty());
}

#[tokio::test]
async fn over_the_servers_limit_is_smtp_size() {
    // 4 MiB of noise is ~5.4 MiB once base64-encoded: over the sink's 5 MiB limit, under
    // the default max_attachment_size (20 MiB). The server's 552 becomes SMTP_SIZE.
    let cfg = Cfg::new();
    let to = unique("srvsize");
    let limit: usize = env("SMTP_DATA_SIZE_LIMIT").parse().unwrap();
    let data = noise(4 * 1024 * 1024);
    assert!(data.len() * 4 / 3 > limit);
    let dest = cfg.dest(&starttls(&to));
    let e = dest.deliver(&cfg.file("n.bin", &data)).await.unwrap_err();
    assert_err(&e, Code::SmtpSize, false);
    assert!(e.message.contains("552"), "{e}");
    assert!(mails_to(&to).is_empty());
}

#[tokio::test]
async fn oversize_zip_sends_a_zip_of_the_exact_bytes() {
    let cfg = Cfg::new();
    let to = unique("zip");
    let dest =
        cfg.dest(&(starttls(&to) + "max_attachment_size = \"256KiB\"\noversize = \"zip\"\n"));
    let data = csv_bytes(20_000);
    // 20000 lines ≈ 425 KB, over 262144; deflate brings it to about a quarter.
    assert!(data.len() > 256 * 1024);
    let file = cfg.file("acme.csv", &data);
    let receipt = dest.deliver(&file).await.unwrap();
    assert!(receipt.bytes <= 256 * 1024);
    let stored = the_mail_to(&to);
    let msg = MessageParser::default().parse(&stored.eml).unwrap();
    let att = msg.attachments().next().unwrap();
    assert_eq!(att.attachment_name(), Some("acme.csv.zip"));
    assert_eq!(att.content_type().unwrap().subtype(), Some("zip"));
    assert_eq!(att.contents().len() as u64, receipt.bytes);
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(att.contents().to_vec())).unwrap();
    assert_eq!(archive.len(), 1);
    let mut entry = archive.by_name("acme.csv").unwrap();
    assert_eq!(entry.compression(), zip::CompressionMethod::Deflated);
    let mut back = Vec::new();
    entry.read_to_end(&mut back).unwrap();
    assert_eq!(hex::encode(Sha256::digest(&back)), file.sha256);
    // {file} in the default body names the zip.
    assert!(msg.body_text(0).unwrap().contains("arquivo acme.csv.zip"));
}

#[tokio::test]
async fn oversize_zip_still_too_big_fails() {
    let cfg = Cfg::new();
    let to = unique("zipbig");
    let dest = cfg.dest(&(starttls(&to) + "max_attachment_size = \"64KiB\"\noversize = \"zip\"\n"));
    // Noise does not compress: 100000 bytes stay over 65536 zipped.
    let e = dest
        .deliver(&cfg.file("n.csv", &noise(100_000)))
        .await
        .unwrap_err();
    assert_err(&e, Code::SmtpSize, false);
    assert!(e.message.contains("even zipped"), "{e}");
    assert!(e.message.contains("65536 bytes"), "{e}");
    assert!(mails_to(&to).is_empty());
}

#[tokio::test]
async fn check_logs_in_without_sending() {
    let cfg = Cfg::new();
    let to = unique("check");
    let dest = cfg.dest(&starttls(&to));
    let ok = dest.check().await.unwrap();
    assert!(ok.contains("tls = starttls"), "{ok}");
    assert!(
        ok.contains(&format!("logged in as {}", env("USER"))),
        "{ok}"
    );
    assert!(ok.contains("no mail sent"), "{ok}");
    assert!(mails_to(&to).is_empty());
}

#[tokio::test]
async fn a_server_that_never_greets_hits_the_send_timeout() {
    // Accepts and then says nothing: lettre's own timeout covers only the connect, so the
    // destination's `timeout` must end the attempt (lettre#917).
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    let hold = std::thread::spawn(move || l.accept().map(|(s, _)| s));
    let cfg = Cfg::new();
    let dest = cfg.dest(&format!(
        "host = \"127.0.0.1\"\nport = {port}\ntls = \"none\"\ntimeout = \"1s\"\nfrom = \"a@b.example\"\nto = \"c@d.example\"\n"
    ));
    let e = dest.deliver(&cfg.file("x.csv", b"x\n")).await.unwrap_err();
    assert_err(&e, Code::DeliveryTimeout, true);
    assert!(e.message.contains("within 1s"), "{e}");
    drop(hold.join().unwrap());
}

#[tokio::test]
async fn unreadable_password_is_secret_unreadable() {
    let cfg = Cfg::new();
    let to = unique("nosecret");
    let body = starttls(&to).replace(
        &format!("password = \"{}\"", env("PASSWORD")),
        "password_env = \"REPORTD_TEST_SURELY_UNSET_VARIABLE\"",
    );
    let e = cfg
        .dest(&body)
        .deliver(&cfg.file("x.csv", b"x\n"))
        .await
        .unwrap_err();
    assert_err(&e, Code::SecretUnreadable, false);
    assert!(
        e.message.contains("REPORTD_TEST_SURELY_UNSET_VARIABLE"),
        "{e}"
    );
}

#[test]
fn config_rules() {
    let cfg = Cfg::new();
    let base = "host = \"smtp.example.com\"\nfrom = \"a@b.example\"\nto = [\"c@d.example\"]\n";
    // Defaults: port by tls mode.
    let ports = [("", 587), ("tls = \"implicit\"\n", 465)];
    for (extra, port) in ports {
        let plan = cfg.load(&format!("{base}{extra}")).unwrap();
        let reportd::config::DestinationKind::Email(e) = &plan.kind else {
            panic!("not email")
        };
        assert_eq!(e.port, port);
        assert_eq!(e.max_attachment_size, 20 * 1024 * 1024);
        assert_eq!(e.connect_timeout, Duration::from_secs(15));
        assert_eq!(e.oversize, reportd::config::Oversize::Fail);
    }
    let bad = |extra: &str| cfg.load(&format!("{base}{extra}")).unwrap_err();
    assert!(bad("user = \"u\"\n").contains("no password"));
    assert!(bad("password = \"p\"\n").contains("no `user`"));
    assert!(bad("tls = \"none\"\nca_file = \"/x.pem\"\n").contains("no effect"));
    assert!(bad("tls = \"tls\"\n").contains("invalid value \"tls\""));
    assert!(bad("max_attachment_size = 20\n").contains("a size string"));
    assert!(bad("max_attachment_size = \"20 parsecs\"\n").contains("unknown unit"));
    assert!(bad("oversize = \"gzip\"\n").contains("did you mean \"zip\""));
    assert!(bad("subject = \"{nope}\"\n").contains("unknown placeholder"));
    assert!(bad("cc = [\"not an address\"]\n").contains("not a mail address"));
    assert!(bad("smtp_port = 25\n").contains("unknown key"));
    let no_to = cfg
        .load("host = \"h\"\nfrom = \"a@b.example\"\nto = []\n")
        .unwrap_err();
    assert!(no_to.contains("no recipients"), "{no_to}");
    let missing = cfg.load("host = \"h\"\n").unwrap_err();
    assert!(
        missing.contains("missing required key \"from\""),
        "{missing}"
    );
    assert!(missing.contains("missing required key \"to\""), "{missing}");
    assert!(
        cfg.load("host = \"smtp://h\"\nfrom = \"a@b.example\"\nto = \"c@d.example\"\n")
            .unwrap_err()
            .contains("invalid host")
    );
}

/// An attachment named in Portuguese keeps its accents in the received message (the
/// parameter encoded for MIME, decoded by the reader as the name that was sent).
#[tokio::test]
async fn utf8_attachment_name_arrives_unchanged() {
    let cfg = Cfg::new();
    let to = unique("utf8name");
    let dest = cfg.dest(&starttls(&to));
    let name = "relatório_março_nível-de-serviço.csv";
    dest.deliver(&cfg.file(name, b"fila;atendidas\n"))
        .await
        .unwrap();
    let stored = the_mail_to(&to);
    let msg = MessageParser::default().parse(&stored.eml).unwrap();
    let att = msg.attachment(0).expect("one attachment");
    assert_eq!(att.attachment_name(), Some(name));
    assert_eq!(att.contents(), b"fila;atendidas\n");
}
