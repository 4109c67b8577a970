//! Stable error codes. They appear in status entries, `reportd show`, logs and exit paths;
//! scripts and support staff rely on them, so never rename one. Each has a hint that tells
//! a person what to do next.

use serde::{Deserialize, Serialize};

macro_rules! codes {
    ($( $variant:ident = $text:literal, transient: $tr:literal, hint: $hint:literal; )*) => {
        /// A stable error code.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        pub enum Code {
            $(
                #[serde(rename = $text)]
                $variant,
            )*
        }

        impl Code {
            /// The wire spelling, e.g. `PLUGIN_CRASH`.
            pub fn as_str(self) -> &'static str {
                match self { $(Code::$variant => $text,)* }
            }
            /// What a person should do about it.
            pub fn hint(self) -> &'static str {
                match self { $(Code::$variant => $hint,)* }
            }
            /// Whether retrying the same thing later may succeed.
            pub fn is_transient(self) -> bool {
                match self { $(Code::$variant => $tr,)* }
            }
            /// Parses the wire spelling.
            pub fn parse(s: &str) -> Option<Code> {
                match s { $($text => Some(Code::$variant),)* _ => None }
            }
            /// Every code, for documentation and tests.
            pub const ALL: &'static [Code] = &[$(Code::$variant,)*];
        }
    };
}

codes! {
    DataNotReady = "DATA_NOT_READY", transient: true,
        hint: "the source's data does not cover the whole period yet; the run stays queued and is tried again until the schedule's wait_for_data runs out, then the report is made from what there is, with a PERIOD_NOT_CLOSED warning";
    SourceUnreachable = "SOURCE_UNREACHABLE", transient: true,
        hint: "the source's database could not be reached or refused the login; the run is retried per the schedule's retry policy — check the source's database URL, that the server is up, and the user and password";
    DaemonStopped = "DAEMON_STOPPED", transient: true,
        hint: "the daemon stopped (crash, kill or shutdown) while this run was in progress; it is retried per the schedule's retry policy";
    Interrupted = "INTERRUPTED", transient: true,
        hint: "the daemon was shut down before this run could finish; it is retried at next start per the retry policy";
    PluginNotFound = "PLUGIN_NOT_FOUND", transient: false,
        hint: "install the plugin library (libreportd_<name>.so) in the plugin directory, or fix `plugin_dir` / the source's `plugin`";
    PluginLoad = "PLUGIN_LOAD", transient: false,
        hint: "the plugin library exists but the system loader refused it (not a shared library, wrong architecture, missing dependency); the message has the loader's error";
    PluginSymbol = "PLUGIN_SYMBOL", transient: false,
        hint: "the library is not a reportd plugin (no `reportd_plugin_v1` symbol); check the file named in the message";
    PluginAbi = "PLUGIN_ABI", transient: false,
        hint: "the plugin was built for another reportd version; install the plugin from the same release as the daemon";
    PluginInvalid = "PLUGIN_INVALID", transient: false,
        hint: "the plugin rejected the report parameters or source settings; fix the schedule or source as the message says";
    PluginError = "PLUGIN_ERROR", transient: false,
        hint: "the plugin could not generate the report; the message says why (unreadable input, bad data)";
    PluginCrash = "PLUGIN_CRASH", transient: false,
        hint: "the plugin crashed (panic, abort or signal); the daemon is unaffected; report the bug with `reportd show RUN`";
    PluginTimeout = "PLUGIN_TIMEOUT", transient: true,
        hint: "generation took longer than the schedule's `timeout`; raise it or narrow the period/filters";
    UnknownReport = "UNKNOWN_REPORT", transient: false,
        hint: "the report id is not in the plugin's catalog; list them with `reportd plugins`";
    RenderIo = "RENDER_IO", transient: true,
        hint: "the report file could not be written in the outbox; check the state directory's permissions and free space";
    DiskFull = "DISK_FULL", transient: true,
        hint: "the disk holding the state directory or destination is full; free space, then `reportd retry RUN`";
    FileExpired = "FILE_EXPIRED", transient: false,
        hint: "the generated file was removed after `keep_files`; trigger the schedule again with `reportd trigger SCHEDULE --period ...`";
    LocalIo = "LOCAL_IO", transient: true,
        hint: "writing to the local destination directory failed; check it exists and the daemon may write there";
    LocalPermission = "LOCAL_PERMISSION", transient: false,
        hint: "the daemon may not write to the local destination directory; fix its ownership or mode";
    DeliveryTimeout = "DELIVERY_TIMEOUT", transient: true,
        hint: "the delivery did not finish within the destination's `timeout`; check the link to the destination or raise the timeout";
    DeliveryFailed = "DELIVERY_FAILED", transient: false,
        hint: "one or more destinations failed after all retries (see each delivery's error); fix them, then `reportd retry RUN`";
    ScheduleUnknown = "SCHEDULE_UNKNOWN", transient: false,
        hint: "the run's schedule was removed from the configuration before the run started; trigger it again if still wanted";
    Dns = "DNS", transient: true,
        hint: "the destination host name did not resolve; check `host` and this machine's DNS";
    ConnectTimeout = "CONNECT_TIMEOUT", transient: true,
        hint: "the destination did not answer in time; check the host, port, firewall and `connect_timeout`";
    ConnectRefused = "CONNECT_REFUSED", transient: true,
        hint: "nothing listens on the destination's host and port (server down?); retried per policy";
    ConnectionReset = "CONNECTION_RESET", transient: true,
        hint: "the connection dropped during the transfer; nothing was left under the final name; retried per policy";
    SecretUnreadable = "SECRET_UNREADABLE", transient: false,
        hint: "the password/passphrase file, environment variable or systemd credential is missing or unreadable";
    TlsCertificate = "TLS_CERTIFICATE", transient: false,
        hint: "the server's TLS certificate is not trusted for this host name (expired, self-signed, wrong name or unknown CA); set `ca_file` to the CA that signed it";
    TlsHandshake = "TLS_HANDSHAKE", transient: false,
        hint: "the TLS handshake failed (protocol versions or ciphers do not match); check `tls` and `tls_max_version`";
    // email
    SmtpAuth = "SMTP_AUTH", transient: false,
        hint: "the mail server refused the login (535); check `user` and the password secret, and that the account may send mail (some providers need an app password)";
    SmtpRejected = "SMTP_REJECTED", transient: false,
        hint: "the mail server refused the sender, a recipient or the message (5xx); the message has the server's reply: fix `from`/`to`/`cc`/`bcc`, or ask the mail administrator to allow this sender";
    SmtpTemporary = "SMTP_TEMPORARY", transient: true,
        hint: "the mail server answered with a temporary failure (4xx: greylisting, rate limit, busy); retried per the destination's retry policy";
    SmtpSize = "SMTP_SIZE", transient: false,
        hint: "the attachment is larger than `max_attachment_size` or the server's limit; set `oversize = \"zip\"` to send it compressed, raise `max_attachment_size` if the server allows, or deliver large reports by SFTP/FTP";
    SmtpProtocol = "SMTP_PROTOCOL", transient: false,
        hint: "the mail server did not behave as configured (no STARTTLS offered, no usable AUTH mechanism, unexpected reply); check `host`, `port` and `tls` (587 = starttls, 465 = implicit)";
    // ftp
    FtpAuth = "FTP_AUTH", transient: false,
        hint: "the FTP server refused the login (530); check `user` and the password, and that the account may log in over FTP";
    FtpTlsSessionReuse = "FTP_TLS_SESSION_REUSE", transient: false,
        hint: "the FTP server refused the TLS data connection (522): vsftpd's `require_ssl_reuse=YES` wants the data connection to resume the control connection's TLS session and it did not; report it with `reportd show RUN` (the server admin can set `require_ssl_reuse=NO` as a workaround)";
    FtpPermission = "FTP_PERMISSION", transient: false,
        hint: "the FTP server refused to create the file or directory (550/553); check the account's write permission on `dir`";
    FtpNoSuchDir = "FTP_NO_SUCH_DIR", transient: false,
        hint: "the FTP destination's `dir` does not exist or cannot be entered; fix `dir` or set `create_dir = true`";
    FtpRenameRefused = "FTP_RENAME_REFUSED", transient: false,
        hint: "the FTP server refused to rename the uploaded `.part` file to its final name (RNFR/RNTO); allow renames for the account or set `atomic = false`";
    FtpSizeMismatch = "FTP_SIZE_MISMATCH", transient: true,
        hint: "the size the FTP server reports for the uploaded file differs from the report's (a truncated transfer); retried per policy";
    FtpIdleTimeout = "FTP_IDLE_TIMEOUT", transient: true,
        hint: "the FTP server stopped answering for longer than `idle_timeout` (stalled link, firewall dropping the data connection, overloaded server); retried per policy";
    FtpProtocol = "FTP_PROTOCOL", transient: false,
        hint: "the FTP server gave an unexpected reply (the message has it); 4xx replies are retried, 5xx are not; check the server's log";
    // sftp
    SftpHostKeyUnknown = "SFTP_HOST_KEY_UNKNOWN", transient: false,
        hint: "the server's host key is not in `known_hosts` for this host and port; get the key's fingerprint from the server's administrator over a trusted channel, then add the key (e.g. `ssh-keyscan -p PORT HOST`, compared with that fingerprint) or set `host_key_fingerprint`";
    SftpHostKeyMismatch = "SFTP_HOST_KEY_MISMATCH", transient: false,
        hint: "the server presented a host key other than the one recorded for it (or a revoked one): this may be a man-in-the-middle attack, so do not just accept it; confirm with the server's administrator that the key really changed, then replace the host's entry (`ssh-keygen -R '[HOST]:PORT' -f KNOWN_HOSTS`, add the new key) or update `host_key_fingerprint`";
    SftpAuth = "SFTP_AUTH", transient: false,
        hint: "the server rejected the login; check `user`, the password, and that the public key of `private_key` is in the user's authorized_keys on the server";
    SftpKey = "SFTP_KEY", transient: false,
        hint: "the `private_key` file could not be read or decrypted; check its path and permissions, and the `passphrase` of an encrypted key";
    SftpPermission = "SFTP_PERMISSION", transient: false,
        hint: "the server does not let `user` write in the remote `dir`; ask its administrator for write access or fix `dir`";
    SftpNoSuchDir = "SFTP_NO_SUCH_DIR", transient: false,
        hint: "the remote `dir` does not exist (or is not a directory); create it, fix `dir`, or set `create_dir = true`";
    SftpRenameRefused = "SFTP_RENAME_REFUSED", transient: false,
        hint: "the server refused to rename the uploaded `.NAME.part` onto the final name and to remove the old file; check what occupies the final name, or set `atomic = false` for a server that forbids renames";
    SftpSizeMismatch = "SFTP_SIZE_MISMATCH", transient: true,
        hint: "the uploaded file's size on the server differs from the report's; the upload was discarded and is retried; if it persists, the server alters uploads (quota, conversion)";
    SftpStalled = "SFTP_STALLED", transient: true,
        hint: "the server stopped accepting data for `idle_timeout`; retried per policy; check the link to the server or raise `idle_timeout`";
    SftpProtocol = "SFTP_PROTOCOL", transient: true,
        hint: "the SSH/SFTP conversation failed (no common algorithm, no sftp subsystem, or an error reply); the message has the server's words; check `ciphers` and the server's sftp setup";
    DestinationUnknown = "DESTINATION_UNKNOWN", transient: false,
        hint: "the destination is no longer in the configuration; restore it or deliver by hand";
    Internal = "INTERNAL", transient: false,
        hint: "an internal error; report it with the output of `reportd show RUN`";
    Store = "STORE", transient: true,
        hint: "the status store could not be read or written; check the database file/server";
}

impl std::fmt::Display for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An error as recorded in a status entry: code, message (never containing secrets) and hint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorInfo {
    pub code: String,
    pub message: String,
    pub hint: String,
}

impl ErrorInfo {
    pub fn new(code: Code, message: impl Into<String>) -> Self {
        Self {
            code: code.as_str().to_owned(),
            message: message.into(),
            hint: code.hint().to_owned(),
        }
    }

    /// An error whose code comes from elsewhere (a plugin) with its own hint.
    pub fn custom(code: &str, message: impl Into<String>, hint: impl Into<String>) -> Self {
        Self {
            code: code.to_owned(),
            message: message.into(),
            hint: hint.into(),
        }
    }

    /// Whether the code says a retry may help (unknown codes: no).
    pub fn is_transient(&self) -> bool {
        Code::parse(&self.code).is_some_and(Code::is_transient)
    }
}

impl std::fmt::Display for ErrorInfo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_and_have_hints() {
        assert!(Code::ALL.len() > 10);
        for c in Code::ALL {
            assert_eq!(Code::parse(c.as_str()), Some(*c));
            assert!(!c.hint().is_empty(), "{c} has no hint");
            assert!(
                c.as_str()
                    .chars()
                    .all(|ch| ch.is_ascii_uppercase() || ch == '_')
            );
        }
    }
}
