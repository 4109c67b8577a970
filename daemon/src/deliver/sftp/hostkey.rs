//! Host-key verification for SFTP: an OpenSSH `known_hosts` file, a pinned `SHA256:`
//! fingerprint, or (explicitly) nothing. Never trust-on-first-use.
//!
//! Lines are parsed by the `ssh-key` crate (the one russh uses: markers, hashed `|1|` names,
//! pattern lists); matching a host against them follows OpenSSH's `match_hostname`: the
//! lookup name is `host` on port 22 and `[host]:port` otherwise, patterns may use `*`/`?`
//! and `!` negation (a negated match vetoes the line), hashed names are HMAC-SHA1(salt, name).
//! russh's own `check_known_hosts_path` handles neither wildcards nor markers, hence this file.
//!
//! The matching entries also order the host-key algorithms offered to the server
//! ([`KnownHostsCheck::preferred_algorithms`]), as OpenSSH does: otherwise russh asks for
//! ed25519 even when only the server's ECDSA key is on file, and a good server would fail.

use std::path::Path;

use russh::keys::ssh_key::known_hosts::{Entry, HostPatterns, KnownHosts, Marker};
use russh::keys::ssh_key::{Algorithm, HashAlg, PublicKey};

use crate::code::Code;
use crate::config::HostKeyCheck;
use crate::deliver::DeliveryError;

/// The name OpenSSH looks up in known_hosts for `host` and `port`.
pub fn lookup_name(host: &str, port: u16) -> String {
    if port == 22 {
        host.to_owned()
    } else {
        format!("[{host}]:{port}")
    }
}

/// Glob match with `*` (any run) and `?` (one character), ASCII case-insensitive.
fn glob(pattern: &[u8], name: &[u8]) -> bool {
    // Iterative matcher with backtracking to the last `*`: linear in practice, no recursion.
    let (mut p, mut n) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while n < name.len() {
        match pattern.get(p) {
            Some(b'*') => {
                star = Some((p, n));
                p += 1;
            }
            Some(c) if *c == b'?' || c.eq_ignore_ascii_case(&name[n]) => {
                p += 1;
                n += 1;
            }
            _ => match star {
                Some((sp, sn)) => {
                    p = sp + 1;
                    n = sn + 1;
                    star = Some((sp, sn + 1));
                }
                None => return false,
            },
        }
    }
    pattern[p..].iter().all(|c| *c == b'*')
}

/// HMAC-SHA1 of `name` keyed with `salt` equals `hash` (OpenSSH's `|1|salt|hash` names).
fn hashed_matches(salt: &[u8], hash: &[u8; 20], name: &str) -> bool {
    let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA1_FOR_LEGACY_USE_ONLY, salt);
    ring::hmac::verify(&key, name.as_bytes(), hash).is_ok()
}

/// Whether an entry's host patterns match `name` (a [`lookup_name`]).
pub fn patterns_match(patterns: &HostPatterns, name: &str) -> bool {
    match patterns {
        HostPatterns::HashedName { salt, hash } => hashed_matches(salt, hash, name),
        HostPatterns::Patterns(list) => {
            let mut positive = false;
            for p in list {
                if let Some(negated) = p.strip_prefix('!') {
                    if glob(negated.as_bytes(), name.as_bytes()) {
                        return false;
                    }
                } else if glob(p.as_bytes(), name.as_bytes()) {
                    positive = true;
                }
            }
            positive
        }
    }
}

/// The known_hosts entries that apply to one host and port.
#[derive(Debug, Clone)]
pub struct KnownHostsCheck {
    /// For messages: the file and the lookup name.
    file: String,
    name: String,
    /// Keys the host may present, in file order.
    keys: Vec<PublicKey>,
    /// Keys marked `@revoked` for this host (or for every host, with `*`).
    revoked: Vec<PublicKey>,
}

impl KnownHostsCheck {
    /// Selects the entries of known_hosts `text` for `host:port`. Lines that do not parse
    /// (unknown key types, garbage) are skipped, as OpenSSH does; `@cert-authority` lines
    /// are ignored (host certificates are not requested).
    pub fn from_text(text: &str, file: &str, host: &str, port: u16) -> Self {
        let name = lookup_name(host, port);
        let mut keys = Vec::new();
        let mut revoked = Vec::new();
        for entry in KnownHosts::new(text).filter_map(Result::ok) {
            let entry: Entry = entry;
            if !patterns_match(entry.host_patterns(), &name) {
                continue;
            }
            match entry.marker() {
                Some(Marker::Revoked) => revoked.push(entry.public_key().clone()),
                Some(Marker::CertAuthority) => {}
                None => keys.push(entry.public_key().clone()),
            }
        }
        Self {
            file: file.to_owned(),
            name,
            keys,
            revoked,
        }
    }

    /// Reads `path` and selects the entries for `host:port`.
    pub fn read(path: &Path, host: &str, port: u16) -> Result<Self, DeliveryError> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            DeliveryError::new(
                Code::SftpHostKeyUnknown,
                format!("cannot read known_hosts file {}: {e}", path.display()),
            )
        })?;
        Ok(Self::from_text(
            &text,
            &path.display().to_string(),
            host,
            port,
        ))
    }

    /// How many usable (not revoked) keys are on file for the host.
    pub fn key_count(&self) -> usize {
        self.keys.len()
    }

    /// Host-key algorithms to offer: those of the keys on file first (file order; RSA as
    /// rsa-sha2-512 then rsa-sha2-256), then the rest of `default` — a server that lost the
    /// key on file then still negotiates, and its other key is reported as a mismatch
    /// rather than as "no common algorithm".
    pub fn preferred_algorithms(&self, default: &[Algorithm]) -> Vec<Algorithm> {
        let mut out: Vec<Algorithm> = Vec::new();
        for key in &self.keys {
            let algs = match key.algorithm() {
                Algorithm::Rsa { .. } => vec![
                    Algorithm::Rsa {
                        hash: Some(HashAlg::Sha512),
                    },
                    Algorithm::Rsa {
                        hash: Some(HashAlg::Sha256),
                    },
                ],
                other => vec![other],
            };
            for a in algs {
                if default.contains(&a) && !out.contains(&a) {
                    out.push(a);
                }
            }
        }
        for a in default {
            if !out.contains(a) {
                out.push(a.clone());
            }
        }
        out
    }

    /// Checks the key the server presented.
    pub fn verify(&self, key: &PublicKey) -> Result<(), DeliveryError> {
        let fp = key.fingerprint(HashAlg::Sha256);
        let alg = key.algorithm();
        if self.revoked.iter().any(|r| r.key_data() == key.key_data()) {
            return Err(DeliveryError::new(
                Code::SftpHostKeyMismatch,
                format!(
                    "{} presented the {alg} host key {fp}, which {} marks @revoked",
                    self.name, self.file
                ),
            ));
        }
        if self.keys.iter().any(|k| k.key_data() == key.key_data()) {
            return Ok(());
        }
        if self.keys.is_empty() {
            return Err(DeliveryError::new(
                Code::SftpHostKeyUnknown,
                format!(
                    "no entry for {} in {}; the server presented the {alg} host key {fp}",
                    self.name, self.file
                ),
            ));
        }
        let on_file: Vec<String> = self
            .keys
            .iter()
            .map(|k| format!("{} {}", k.algorithm(), k.fingerprint(HashAlg::Sha256)))
            .collect();
        Err(DeliveryError::new(
            Code::SftpHostKeyMismatch,
            format!(
                "HOST KEY CHANGED for {}: the server presented the {alg} key {fp}, but {} has {} — possible man-in-the-middle attack; if the administrator confirms the change, run `ssh-keygen -R '{}' -f {}` and add the new key",
                self.name,
                self.file,
                on_file.join(", "),
                self.name,
                self.file
            ),
        ))
    }
}

/// Whether two host-key algorithms use the same kind of key (RSA's signature hashes are one
/// key; each ECDSA curve is its own).
pub fn same_key_type(a: &Algorithm, b: &Algorithm) -> bool {
    match (a, b) {
        (Algorithm::Rsa { .. }, Algorithm::Rsa { .. }) => true,
        _ => a == b,
    }
}

/// `offered` grouped by key type, in order: each group is what to offer to make the server
/// present that one key (all RSA signature hashes together).
pub fn key_families(offered: &[Algorithm]) -> Vec<Vec<Algorithm>> {
    let mut families: Vec<Vec<Algorithm>> = Vec::new();
    for a in offered {
        match families
            .iter_mut()
            .find(|f| f.first().is_some_and(|b| same_key_type(a, b)))
        {
            Some(f) => f.push(a.clone()),
            None => families.push(vec![a.clone()]),
        }
    }
    families
}

/// A host-key policy ready for one connection.
#[derive(Debug, Clone)]
pub enum HostKeyPolicy {
    /// The known_hosts entries for the host.
    Known(KnownHostsCheck),
    /// A pinned `SHA256:` fingerprint; `name` is the lookup name, for messages.
    Fingerprint { name: String, fingerprint: String },
    /// `insecure_accept_any_host_key = true`.
    Any,
}

impl HostKeyPolicy {
    /// Reads what the check needs (the known_hosts file) for `host:port`.
    pub fn load(check: &HostKeyCheck, host: &str, port: u16) -> Result<Self, DeliveryError> {
        Ok(match check {
            HostKeyCheck::KnownHosts(path) => {
                HostKeyPolicy::Known(KnownHostsCheck::read(path, host, port)?)
            }
            HostKeyCheck::Fingerprint(fp) => HostKeyPolicy::Fingerprint {
                name: lookup_name(host, port),
                fingerprint: fp.clone(),
            },
            HostKeyCheck::InsecureAcceptAny => HostKeyPolicy::Any,
        })
    }

    /// Host-key algorithms to offer, given the library's default order.
    pub fn preferred_algorithms(&self, default: &[Algorithm]) -> Vec<Algorithm> {
        match self {
            HostKeyPolicy::Known(k) => k.preferred_algorithms(default),
            _ => default.to_vec(),
        }
    }

    /// Checks the key the server presented.
    pub fn verify(&self, key: &PublicKey) -> Result<(), DeliveryError> {
        match self {
            HostKeyPolicy::Known(k) => k.verify(key),
            HostKeyPolicy::Fingerprint { name, fingerprint } => {
                let fp = key.fingerprint(HashAlg::Sha256).to_string();
                if &fp == fingerprint {
                    Ok(())
                } else {
                    Err(DeliveryError::new(
                        Code::SftpHostKeyMismatch,
                        format!(
                            "HOST KEY MISMATCH for {name}: the server presented the {} key {fp}, but host_key_fingerprint is {fingerprint} — possible man-in-the-middle attack (or the pin is of another key type of this server)",
                            key.algorithm()
                        ),
                    ))
                }
            }
            HostKeyPolicy::Any => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: &str =
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGS69Rf4ErDO2ZNaAsKLWQXi1CDa0mT6Hr0lkxngs9X2";
    const B: &str = "ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBG3g0rf0f7206omircEuL0QrN0nu6SPYnjjpCPfedfmrYcJ3HBdAP9LL1j0Qvug6vhgPdT2ZSpuut8KaubGdNIw=";
    const C: &str =
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFOb2K8e33e4gNFZ7lhSPcnXpM9haB1Q3MPv3jYvjLVm";
    /// `ssh-keygen -H` of `sftp.example.com A`.
    const A_HASHED: &str = "|1|T/IwD2z8yfd/SlRR3R2EoyE2w3Y=|1lFWlGCDEG3rdiqSpIB9G2jSRTU= ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGS69Rf4ErDO2ZNaAsKLWQXi1CDa0mT6Hr0lkxngs9X2";

    fn key(s: &str) -> PublicKey {
        s.parse().unwrap()
    }

    #[test]
    fn lookup_names() {
        assert_eq!(lookup_name("h.example", 22), "h.example");
        assert_eq!(lookup_name("127.0.0.1", 2222), "[127.0.0.1]:2222");
    }

    #[test]
    fn globs() {
        assert!(glob(b"*.example.com", b"SFTP.Example.com"));
        assert!(glob(b"h?st", b"host"));
        assert!(!glob(b"h?st", b"hoost"));
        assert!(glob(b"[10.0.0.*]:2222", b"[10.0.0.7]:2222"));
        assert!(!glob(b"[10.0.0.*]:2222", b"[10.0.0.7]:22"));
        assert!(glob(b"*", b""));
        assert!(!glob(b"a", b""));
    }

    #[test]
    fn plain_wildcard_negated_and_port_entries() {
        let text = format!(
            "# comment\n\n*.example.com,!bad.example.com {A}\n[127.0.0.1]:2222 {B}\nnot a valid line\n"
        );
        let good = KnownHostsCheck::from_text(&text, "kh", "sftp.example.com", 22);
        assert_eq!(good.key_count(), 1);
        assert!(good.verify(&key(A)).is_ok());
        // The negation vetoes the wildcard: no entry at all → unknown.
        let bad = KnownHostsCheck::from_text(&text, "kh", "bad.example.com", 22);
        assert_eq!(bad.key_count(), 0);
        assert_eq!(
            bad.verify(&key(A)).unwrap_err().code,
            Code::SftpHostKeyUnknown
        );
        // Port 22 entries do not apply to another port and vice versa.
        let other_port = KnownHostsCheck::from_text(&text, "kh", "sftp.example.com", 2222);
        assert_eq!(other_port.key_count(), 0);
        let local = KnownHostsCheck::from_text(&text, "kh", "127.0.0.1", 2222);
        assert!(local.verify(&key(B)).is_ok());
    }

    #[test]
    fn hashed_entries() {
        let hit = KnownHostsCheck::from_text(A_HASHED, "kh", "sftp.example.com", 22);
        assert_eq!(hit.key_count(), 1);
        assert!(hit.verify(&key(A)).is_ok());
        let miss = KnownHostsCheck::from_text(A_HASHED, "kh", "other.example.com", 22);
        assert_eq!(miss.key_count(), 0);
    }

    #[test]
    fn changed_key_is_a_mismatch_and_revoked_is_refused() {
        let text = format!("h {A}\n");
        let e = KnownHostsCheck::from_text(&text, "kh", "h", 22)
            .verify(&key(C))
            .unwrap_err();
        assert_eq!(e.code, Code::SftpHostKeyMismatch);
        assert!(!e.is_transient());
        assert!(e.message.contains("man-in-the-middle"), "{}", e.message);
        // Revoked wins even when the same key is also listed as valid.
        let text = format!("h {A}\n@revoked * {A}\n");
        let e = KnownHostsCheck::from_text(&text, "kh", "h", 22)
            .verify(&key(A))
            .unwrap_err();
        assert_eq!(e.code, Code::SftpHostKeyMismatch);
        assert!(e.message.contains("@revoked"));
    }

    #[test]
    fn known_key_types_come_first() {
        let default = russh::Preferred::DEFAULT.key.to_vec();
        assert_eq!(default[0], Algorithm::Ed25519);
        let only_ecdsa = KnownHostsCheck::from_text(&format!("h {B}\n"), "kh", "h", 22);
        let order = only_ecdsa.preferred_algorithms(&default);
        assert_eq!(order[0], key(B).algorithm());
        // Nothing lost, nothing repeated.
        assert_eq!(order.len(), default.len());
        let rsa = "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAAAgQDB";
        // An unparsable RSA line is skipped: order unchanged.
        let none = KnownHostsCheck::from_text(&format!("h {rsa}\n"), "kh", "h", 22);
        assert_eq!(none.preferred_algorithms(&default), default);
    }

    #[test]
    fn key_families_group_rsa_hashes() {
        let default = russh::Preferred::DEFAULT.key.to_vec();
        let families = key_families(&default);
        // ed25519, three ECDSA curves, and RSA with its three signature hashes (sha512,
        // sha256, sha1): 1 + 3 + 1 = 5 families holding all 7 algorithms.
        assert_eq!(families.len(), 5);
        assert_eq!(families.iter().map(Vec::len).sum::<usize>(), default.len());
        assert_eq!(families[0], vec![Algorithm::Ed25519]);
        assert_eq!(families[4].len(), 3);
        assert!(
            families[4]
                .iter()
                .all(|a| matches!(a, Algorithm::Rsa { .. }))
        );
        assert!(same_key_type(
            &Algorithm::Rsa { hash: None },
            &Algorithm::Rsa {
                hash: Some(HashAlg::Sha256)
            }
        ));
        assert!(!same_key_type(&Algorithm::Ed25519, &key(B).algorithm()));
    }

    #[test]
    fn fingerprint_pin() {
        let ok = HostKeyPolicy::Fingerprint {
            name: "h".into(),
            // `ssh-keygen -lf -E sha256` of A.
            fingerprint: "SHA256:oShAurKIHWyY+Dql7TzgKPUcwJguuDfzGbccTEpTZfE".into(),
        };
        assert!(ok.verify(&key(A)).is_ok());
        assert_eq!(
            ok.verify(&key(C)).unwrap_err().code,
            Code::SftpHostKeyMismatch
        );
    }
}
