//! Operations tests: the Debian package (`packaging/build-deb`), the systemd unit and its
//! sysusers/tmpfiles files (`systemd/`), and logging to a real systemd journal.
//!
//! The package is built once per test process with the debug profile from the binaries
//! `cargo build --workspace` already made (`--bin-dir`), so no nested cargo runs. Tools the
//! tests need (`dpkg-deb`, `systemd-analyze`, `systemd-journald`, `unshare`) are installed
//! with apt-get when missing, as root does in CI; a test never skips itself.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

use reportd_tests::{Tree, base_config, bin, plugin_lib, target_dir};

/// The recorded `systemd-analyze security --offline=true` exposure of the unit (systemd
/// 252). Lower it here when the unit gets tighter; a change that raises it fails.
const MAX_EXPOSURE: f64 = 1.2;

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn run(cmd: &mut Command) -> Output {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?} failed ({}):\n{}{}",
        out.status,
        text(&out.stdout),
        text(&out.stderr)
    );
    out
}

/// Makes sure `tool` is on PATH, installing Debian `package` when it is not.
fn ensure_tool(tool: &str, package: &str) {
    let found = |t: &str| {
        Command::new("sh")
            .args(["-c", &format!("command -v {t}")])
            .output()
            .is_ok_and(|o| o.status.success())
    };
    if found(tool) || Path::new(tool).exists() {
        return;
    }
    // Tests run in parallel: one apt-get at a time, and wait for dpkg's lock if another
    // process holds it.
    static APT: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _guard = APT
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if found(tool) || Path::new(tool).exists() {
        return;
    }
    let _ = Command::new("apt-get").arg("update").output();
    let out = Command::new("apt-get")
        .args([
            "-o",
            "DPkg::Lock::Timeout=300",
            "install",
            "-y",
            "--no-install-recommends",
            package,
        ])
        .env("DEBIAN_FRONTEND", "noninteractive")
        .output()
        .expect("apt-get");
    assert!(
        found(tool) || Path::new(tool).exists(),
        "{tool} is missing and `apt-get install {package}` did not provide it (run the tests as root):\n{}",
        text(&out.stderr)
    );
}

/// The .deb, built once: `packaging/build-deb --profile debug --bin-dir <target dir>`.
fn deb() -> &'static Path {
    static DEB: OnceLock<PathBuf> = OnceLock::new();
    DEB.get_or_init(|| {
        ensure_tool("dpkg-deb", "dpkg");
        let out_dir = target_dir().join("package-test");
        let _ = std::fs::remove_dir_all(&out_dir);
        // The harness's checks: the binaries and the plugin exist.
        bin();
        plugin_lib("telephony");
        plugin_lib("whatsapp");
        plugin_lib("webchat");
        plugin_lib("score");
        let out = run(Command::new(repo_root().join("packaging/build-deb"))
            .args(["--profile", "debug", "--bin-dir"])
            .arg(target_dir())
            .arg("--out")
            .arg(&out_dir));
        let path = PathBuf::from(text(&out.stdout).trim());
        assert!(path.is_file(), "build-deb printed {path:?}");
        path
    })
}

/// The package extracted (`dpkg-deb -x`) into a fresh directory.
fn extracted() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    run(Command::new("dpkg-deb")
        .arg("-x")
        .arg(deb())
        .arg(dir.path()));
    dir
}

const VERSION: &str = env!("CARGO_PKG_VERSION");

#[test]
fn deb_holds_exactly_the_documented_files() {
    let out = run(Command::new("dpkg-deb").arg("-c").arg(deb()));
    let mut files: Vec<String> = Vec::new();
    for line in text(&out.stdout).lines() {
        // "-rw-r--r-- root/root 5862 2026-11-21 20:36 ./etc/reportd/reportd.toml"
        let cols: Vec<&str> = line.split_whitespace().collect();
        assert!(cols.len() >= 6, "{line}");
        assert_eq!(cols[1], "root/root", "{line}");
        if cols[0].starts_with('-') {
            let path = cols[5].trim_start_matches('.').to_owned();
            let mode = cols[0];
            let executable = path.starts_with("/usr/bin/");
            assert_eq!(
                mode,
                if executable {
                    "-rwxr-xr-x"
                } else {
                    "-rw-r--r--"
                },
                "{line}"
            );
            files.push(path);
        }
    }
    files.sort();
    assert_eq!(
        files,
        [
            "/etc/reportd/reportd.toml",
            "/etc/reportd/schedules.d/example.toml",
            "/lib/systemd/system/reportd.service",
            "/usr/bin/reportd",
            "/usr/bin/reportd-gen-queue-log",
            "/usr/lib/reportd/plugins/libreportd_score.so",
            "/usr/lib/reportd/plugins/libreportd_telephony.so",
            "/usr/lib/reportd/plugins/libreportd_webchat.so",
            "/usr/lib/reportd/plugins/libreportd_whatsapp.so",
            "/usr/lib/sysusers.d/reportd.conf",
            "/usr/lib/tmpfiles.d/reportd.conf",
            "/usr/share/doc/reportd/README.md",
            "/usr/share/doc/reportd/README.systemd.md",
            "/usr/share/doc/reportd/copyright",
        ]
    );
}

#[test]
fn deb_control_fields_and_conffiles() {
    let field = |name: &str| {
        let out = run(Command::new("dpkg-deb").arg("-f").arg(deb()).arg(name));
        text(&out.stdout).trim().to_owned()
    };
    assert_eq!(field("Package"), "reportd");
    assert_eq!(field("Version"), VERSION);
    let arch = run(Command::new("dpkg").arg("--print-architecture"));
    assert_eq!(field("Architecture"), text(&arch.stdout).trim());
    let depends = field("Depends");
    assert!(depends.starts_with("libc6 (>= "), "{depends}");
    assert!(depends.ends_with(", systemd | adduser"), "{depends}");
    assert_eq!(field("Section"), "admin");
    assert!(field("Installed-Size").parse::<u64>().unwrap() > 0);
    assert!(field("Description").contains("neither enabled nor started"));

    let ctrl = tempfile::tempdir().unwrap();
    run(Command::new("dpkg-deb")
        .arg("-e")
        .arg(deb())
        .arg(ctrl.path().join("DEBIAN")));
    let conffiles = std::fs::read_to_string(ctrl.path().join("DEBIAN/conffiles")).unwrap();
    assert_eq!(
        conffiles,
        "/etc/reportd/reportd.toml\n/etc/reportd/schedules.d/example.toml\n"
    );
    // md5sums covers every non-conffile file: 14 files - 2 conffiles = 12.
    let md5sums = std::fs::read_to_string(ctrl.path().join("DEBIAN/md5sums")).unwrap();
    assert_eq!(md5sums.lines().count(), 12, "{md5sums}");
    assert!(md5sums.contains("  usr/bin/reportd\n"), "{md5sums}");
}

#[test]
fn maintainer_scripts_parse_and_never_start_the_service() {
    let ctrl = tempfile::tempdir().unwrap();
    let dir = ctrl.path().join("DEBIAN");
    run(Command::new("dpkg-deb").arg("-e").arg(deb()).arg(&dir));
    let mut checked = 0;
    for script in ["postinst", "prerm", "postrm"] {
        let path = dir.join(script);
        run(Command::new("sh").arg("-n").arg(&path));
        let body = std::fs::read_to_string(&path).unwrap();
        assert!(body.starts_with("#!/bin/sh\n"), "{script}");
        // Commands, not the comments and the message printed for the admin.
        for line in body.lines().map(str::trim) {
            if line.starts_with('#') || line.starts_with("echo") {
                continue;
            }
            assert!(
                !line.contains("systemctl enable") && !line.contains("systemctl start"),
                "{script} must not enable or start reportd: {line}"
            );
        }
        checked += 1;
    }
    assert_eq!(checked, 3);
    let postinst = std::fs::read_to_string(dir.join("postinst")).unwrap();
    assert!(postinst.contains("systemd-sysusers /usr/lib/sysusers.d/reportd.conf"));
    assert!(postinst.contains("systemd-tmpfiles --create /usr/lib/tmpfiles.d/reportd.conf"));
    assert!(postinst.contains("systemctl daemon-reload"));
    let postrm = std::fs::read_to_string(dir.join("postrm")).unwrap();
    // The store is deleted on purge only: the rm sits in the purge branch.
    let purge = postrm.find("purge)").unwrap();
    let rm = postrm.find("rm -rf /var/lib/reportd").unwrap();
    let remove = postrm.find("remove)").unwrap();
    assert!(remove < purge && purge < rm, "{postrm}");
}

#[test]
fn packaged_reportd_runs_and_checks_the_example_configuration() {
    let root = extracted();
    let reportd = root.path().join("usr/bin/reportd");
    let out = run(Command::new(&reportd).arg("--version"));
    assert_eq!(text(&out.stdout).trim(), format!("reportd {VERSION}"));

    // As packaged, outside an installed system: the files validate (the summary and the
    // next fire times are printed), then the plugin check fails — the plugin is not in
    // /usr/lib/reportd/plugins on this host, or (where it is) /var/log/asterisk is
    // missing. Exit 2, as documented in the README.
    let config = root.path().join("etc/reportd/reportd.toml");
    let out = Command::new(&reportd)
        .arg("check")
        .arg("--config")
        .arg(&config)
        .output()
        .unwrap();
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(2), "{stdout}{}", text(&out.stderr));
    assert!(
        stdout.contains("2 file(s), 1 source(s), 1 destination(s), 1 schedule(s)"),
        "{stdout}"
    );
    assert!(
        stdout.contains("schedule acme-service-level-daily (disabled)"),
        "{stdout}"
    );
    // 06:00 in São Paulo (UTC-3) is 09:00 UTC: five next fire times.
    assert_eq!(stdout.matches("06:00:00 -03   ").count(), 5, "{stdout}");
    assert!(
        text(&out.stderr).contains("telephony"),
        "{}",
        text(&out.stderr)
    );

    // With the packaged plugin directory and an existing queue_log (what an installed
    // host with Asterisk has), the packaged binary accepts it all.
    let queue_log = root.path().join("queue_log");
    std::fs::write(&queue_log, "").unwrap();
    let plugins = root.path().join("usr/lib/reportd/plugins");
    let original = std::fs::read_to_string(&config).unwrap();
    assert_eq!(
        original
            .matches("queue_log = \"/var/log/asterisk/queue_log\"")
            .count(),
        1
    );
    let adapted = original
        .replace(
            "[daemon]\n",
            &format!(
                "[daemon]\nplugin_dir = {:?}\n",
                plugins.display().to_string()
            ),
        )
        .replace(
            "queue_log = \"/var/log/asterisk/queue_log\"",
            &format!("queue_log = {:?}", queue_log.display().to_string()),
        );
    std::fs::write(&config, adapted).unwrap();
    let out = Command::new(&reportd)
        .arg("check")
        .arg("--config")
        .arg(&config)
        .output()
        .unwrap();
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}{}", text(&out.stderr));
    assert!(stdout.contains("plugin telephony"), "{stdout}");
    assert!(stdout.contains("configuration is valid"), "{stdout}");
}

/// The ELF program headers of a 64-bit little-endian file: `(p_type, p_flags)` each.
fn program_headers(elf: &[u8]) -> Vec<(u32, u32)> {
    assert_eq!(&elf[..4], b"\x7fELF");
    assert_eq!(elf[4], 2, "64-bit ELF");
    assert_eq!(elf[5], 1, "little-endian ELF");
    let u16_at = |o: usize| u16::from_le_bytes(elf[o..o + 2].try_into().unwrap()) as usize;
    let u32_at = |o: usize| u32::from_le_bytes(elf[o..o + 4].try_into().unwrap());
    let phoff = u64::from_le_bytes(elf[0x20..0x28].try_into().unwrap()) as usize;
    let (phentsize, phnum) = (u16_at(0x36), u16_at(0x38));
    (0..phnum)
        .map(|i| {
            let h = phoff + i * phentsize;
            (u32_at(h), u32_at(h + 4))
        })
        .collect()
}

#[test]
fn packaged_plugin_loads_under_memory_deny_write_execute() {
    // MemoryDenyWriteExecute=yes refuses mappings that are both writable and executable,
    // and dlopen of a library that asks for an executable stack (it would mprotect the
    // stack PROT_EXEC). Neither may be in the plugin.
    const PT_LOAD: u32 = 1;
    const PT_GNU_STACK: u32 = 0x6474_e551;
    const PF_X: u32 = 1;
    const PF_W: u32 = 2;
    let root = extracted();
    let elf = std::fs::read(
        root.path()
            .join("usr/lib/reportd/plugins/libreportd_telephony.so"),
    )
    .unwrap();
    let headers = program_headers(&elf);
    let loads: Vec<_> = headers.iter().filter(|(t, _)| *t == PT_LOAD).collect();
    assert!(!loads.is_empty());
    for (_, flags) in &loads {
        assert_ne!(flags & (PF_W | PF_X), PF_W | PF_X, "W+X segment");
    }
    let stack = headers
        .iter()
        .find(|(t, _)| *t == PT_GNU_STACK)
        .expect("PT_GNU_STACK");
    assert_eq!(stack.1 & PF_X, 0, "executable stack requested");
}

/// The unit's `Key=value` lines (last value wins, as for systemd's single-value keys).
fn unit_settings(unit: &str) -> BTreeMap<String, String> {
    unit.lines()
        .map(str::trim)
        .filter(|l| !l.starts_with('#') && !l.starts_with('['))
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect()
}

#[test]
fn unit_is_notify_typed_verifies_clean_and_keeps_its_exposure() {
    ensure_tool("systemd-analyze", "systemd");
    let unit = std::fs::read_to_string(repo_root().join("systemd/reportd.service")).unwrap();
    let s = unit_settings(&unit);
    for (key, value) in [
        ("Type", "notify"),
        (
            "ExecStart",
            "/usr/bin/reportd run --config /etc/reportd/reportd.toml",
        ),
        ("ExecReload", "/bin/kill -HUP $MAINPID"),
        ("RestartPreventExitStatus", "2"),
        ("Restart", "on-failure"),
        ("TimeoutStopSec", "90"),
        ("User", "reportd"),
        ("StateDirectory", "reportd"),
        ("ConfigurationDirectory", "reportd"),
        ("RestrictAddressFamilies", "AF_UNIX AF_INET AF_INET6"),
        ("ProtectSystem", "strict"),
        ("NoNewPrivileges", "yes"),
        ("CapabilityBoundingSet", ""),
        ("MemoryDenyWriteExecute", "yes"),
        ("UMask", "0027"),
    ] {
        assert_eq!(s.get(key).map(String::as_str), Some(value), "{key}");
    }
    assert!(
        !s.contains_key("PrivateNetwork"),
        "outbound network is needed"
    );
    assert!(
        !s.contains_key("IPAddressDeny"),
        "outbound network is needed"
    );

    // verify needs the ExecStart binary: a copy of the unit pointing at the built one.
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("reportd.service");
    std::fs::write(
        &copy,
        unit.replace("/usr/bin/reportd", &bin().display().to_string()),
    )
    .unwrap();
    let out = run(Command::new("systemd-analyze").arg("verify").arg(&copy));
    assert_eq!(
        text(&out.stdout) + &text(&out.stderr),
        "",
        "systemd-analyze verify is not clean"
    );

    let out = run(Command::new("systemd-analyze")
        .args(["security", "--offline=true"])
        .arg(&copy));
    let report = text(&out.stdout);
    // "→ Overall exposure level for reportd.service: 1.2 OK 🙂"
    let line = report
        .lines()
        .find(|l| l.contains("Overall exposure level for reportd.service:"))
        .unwrap_or_else(|| panic!("no overall exposure in:\n{report}"));
    let figure: f64 = line
        .rsplit(':')
        .next()
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("cannot read the exposure in {line:?}"));
    assert!(
        figure <= MAX_EXPOSURE,
        "exposure {figure} > recorded {MAX_EXPOSURE}:\n{report}"
    );
}

#[test]
fn sysusers_and_tmpfiles_make_the_user_and_the_state_directory() {
    ensure_tool("systemd-sysusers", "systemd");
    let root = extracted();
    // An empty passwd/group in the image: the user is created there, not on this host.
    // With --root, both tools read the package's /usr/lib/{sysusers,tmpfiles}.d (explicit
    // file arguments would not be looked up under the root).
    std::fs::create_dir_all(root.path().join("etc")).unwrap();
    std::fs::write(root.path().join("etc/passwd"), "").unwrap();
    std::fs::write(root.path().join("etc/group"), "").unwrap();
    run(Command::new("systemd-sysusers").arg(format!("--root={}", root.path().display())));
    let passwd = std::fs::read_to_string(root.path().join("etc/passwd")).unwrap();
    let line = passwd
        .lines()
        .find(|l| l.starts_with("reportd:"))
        .unwrap_or_else(|| panic!("no reportd user in {passwd:?}"));
    let cols: Vec<&str> = line.split(':').collect();
    assert_eq!(cols[5], "/var/lib/reportd", "{line}");
    assert_eq!(cols[6], "/usr/sbin/nologin", "{line}");
    let uid: u32 = cols[2].parse().unwrap();
    assert!(uid < 1000, "a system user: {line}");

    run(Command::new("systemd-tmpfiles")
        .arg(format!("--root={}", root.path().display()))
        .arg("--create"));
    use std::os::unix::fs::MetadataExt;
    let meta = std::fs::metadata(root.path().join("var/lib/reportd")).unwrap();
    assert!(meta.is_dir());
    assert_eq!(meta.mode() & 0o7777, 0o750);
    assert_eq!(meta.uid(), uid);
}

/// A journal field with one value.
fn one(value: &str) -> Vec<String> {
    vec![value.to_owned()]
}

/// The journal's entries as JSON objects (`journalctl -o json`), each field's values as a
/// list (a field logged twice, such as `SPAN_NAME` of nested spans, is an array there).
fn journal_entries(json_lines: &str) -> Vec<BTreeMap<String, Vec<String>>> {
    json_lines
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            v.as_object()
                .unwrap()
                .iter()
                .map(|(k, v)| {
                    let values = match v {
                        serde_json::Value::Array(items) => items
                            .iter()
                            .map(|i| i.as_str().unwrap_or_default().to_owned())
                            .collect(),
                        other => vec![other.as_str().unwrap_or_default().to_owned()],
                    };
                    (k.clone(), values)
                })
                .collect()
        })
        .collect()
}

#[test]
fn journald_gets_run_schedule_destination_and_error_code_fields() {
    ensure_tool("/lib/systemd/systemd-journald", "systemd");
    ensure_tool("unshare", "util-linux");
    let tree = Tree::new(&base_config(""));
    let mut schedules = String::new();
    for (name, report) in [
        ("good", "faulty.ok"),
        ("bad", "faulty.error"),
        ("auto", "faulty.ok"),
        ("text", "faulty.ok"),
    ] {
        schedules.push_str(&format!(
            "[[schedule]]\nname = \"{name}\"\ncron = \"0 6 * * *\"\ntimezone = \"UTC\"\n\
             source = \"test\"\nreport = \"{report}\"\nperiod = \"yesterday\"\n\
             filename = \"{{schedule}}.csv\"\ndeliver = [\"out\"]\nretry = {{ attempts = 1 }}\n\n"
        ));
    }
    tree.write("schedules.d/t.toml", &schedules);

    // A private mount namespace with tmpfs over /run (and over the persistent journal, if
    // the host has one): journald's sockets and files exist only in there, and the host's
    // logging is untouched.
    let script = format!(
        r#"set -eu
mount -t tmpfs tmpfs /run
if [ -d /var/log/journal ]; then mount -t tmpfs tmpfs /var/log/journal; fi
/lib/systemd/systemd-journald &
journald=$!
i=0
while [ ! -S /run/systemd/journal/socket ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i+1)); done
B='{bin}'
C='{config}'
export REPORTD_LOG=info
"$B" --log-format journald trigger good --config "$C" >/dev/null || true
"$B" --log-format journald trigger bad --config "$C" >/dev/null || true
# auto, with stderr connected to a journal stream and $JOURNAL_STREAM naming it, as
# systemd does for a service: native journal entries.
systemd-cat -t reportd-auto sh -c 'JOURNAL_STREAM=$(stat -L -c %d:%i /proc/self/fd/2) exec "$0" trigger auto --config "$1" >/dev/null' "$B" "$C" || true
# auto, on the same kind of stream but without the variable: plain text lines.
systemd-cat -t reportd-text sh -c 'exec "$0" trigger text --config "$1" >/dev/null' "$B" "$C" || true
sleep 0.5
journalctl -D /run/log/journal -o json --no-pager > '{out}'
kill $journald
wait $journald || true
"#,
        bin = bin().display(),
        config = tree.config().display(),
        out = tree.path().join("journal.json").display(),
    );
    let out = Command::new("unshare")
        .args(["--mount", "--propagation", "private", "sh", "-c", &script])
        .env_remove("JOURNAL_STREAM")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "journal test script failed (needs root for unshare/mount):\n{}",
        text(&out.stderr)
    );

    let runs = tree.status();
    assert_eq!(runs.len(), 4, "{runs:?}");
    let run_of = |schedule: &str| {
        runs.iter()
            .find(|r| r["schedule"] == schedule)
            .unwrap_or_else(|| panic!("no run of {schedule}"))
    };
    let entries = journal_entries(&tree.log("journal.json"));
    let matching = |pairs: &[(&str, &str)]| -> Vec<&BTreeMap<String, Vec<String>>> {
        entries
            .iter()
            .filter(|e| pairs.iter().all(|(k, v)| e.get(*k) == Some(&one(v))))
            .collect()
    };

    // The delivery of "good": run and delivery span fields on one entry.
    let good_id = run_of("good")["id"].as_str().unwrap();
    let delivered = matching(&[
        ("SYSLOG_IDENTIFIER", "reportd"),
        ("MESSAGE", "delivered"),
        ("RUN_ID", good_id),
    ]);
    assert_eq!(delivered.len(), 1, "{entries:?}");
    let e = delivered[0];
    assert_eq!(e["SCHEDULE"], one("good"));
    assert_eq!(e["DESTINATION"], one("out"));
    assert_eq!(e["PRIORITY"], one("6"));

    // The failure of "bad": priority 3 (error) and the status entry's stable code.
    let bad = run_of("bad");
    let bad_id = bad["id"].as_str().unwrap();
    let code = bad["error"]["code"].as_str().unwrap();
    let failed = matching(&[("MESSAGE", "run failed"), ("RUN_ID", bad_id)]);
    assert_eq!(failed.len(), 1, "{entries:?}");
    let e = failed[0];
    assert_eq!(e["SCHEDULE"], one("bad"));
    assert_eq!(e["PRIORITY"], one("3"));
    let logged = e.get("ERROR_CODE");
    assert_eq!(logged, Some(&one(code)), "{e:?}");

    // --log-format auto under a journal stream: native entries with fields.
    let auto_id = run_of("auto")["id"].as_str().unwrap();
    let auto = matching(&[("RUN_ID", auto_id), ("MESSAGE", "delivered")]);
    assert_eq!(auto.len(), 1, "{entries:?}");
    assert_eq!(auto[0]["SYSLOG_IDENTIFIER"], one("reportd"));

    // Without $JOURNAL_STREAM: text lines on the stream, no structured fields.
    let text_lines: Vec<_> = entries
        .iter()
        .filter(|e| e.get("SYSLOG_IDENTIFIER") == Some(&one("reportd-text")))
        .collect();
    assert!(!text_lines.is_empty(), "{entries:?}");
    assert!(text_lines.iter().all(|e| !e.contains_key("RUN_ID")));
    let text_id = run_of("text")["id"].as_str().unwrap();
    assert!(
        text_lines
            .iter()
            .any(|e| e["MESSAGE"][0].contains("delivered") && e["MESSAGE"][0].contains(text_id)),
        "{text_lines:?}"
    );
}
