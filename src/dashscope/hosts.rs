//! Host checks: the result-host allow list, and whether the service could reach an input URL.

use std::net::IpAddr;
use std::time::Duration;

use url::{Host, Url};

/// True when `url`'s host (and port, if the pattern names one) matches an entry of `patterns`.
/// `*.aliyuncs.com` matches any subdomain of `aliyuncs.com`, not the bare domain.
pub fn host_allowed(url: &Url, patterns: &[String]) -> bool {
    let Some(host) = url.host_str() else {
        return false;
    };
    let host = host
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_ascii_lowercase();
    let port = url.port_or_known_default();
    patterns.iter().any(|p| pattern_matches(p, &host, port))
}

fn pattern_matches(pattern: &str, host: &str, port: Option<u16>) -> bool {
    let pattern = pattern.trim().to_ascii_lowercase();
    let (name, want_port) = split_port(&pattern);
    if let Some(want) = want_port {
        if Some(want) != port {
            return false;
        }
    }
    match name.strip_prefix("*.") {
        Some(suffix) => host.len() > suffix.len() && host.ends_with(&format!(".{suffix}")),
        None => host == name,
    }
}

/// Splits `host:port`; an IPv6 literal without brackets is left whole.
fn split_port(pattern: &str) -> (&str, Option<u16>) {
    if let Some(rest) = pattern.strip_prefix('[') {
        if let Some((ip, tail)) = rest.split_once(']') {
            return (ip, tail.strip_prefix(':').and_then(|p| p.parse().ok()));
        }
    }
    match pattern.rsplit_once(':') {
        Some((name, port)) if !name.contains(':') => (name, port.parse().ok()),
        _ => (pattern, None),
    }
}

/// True for addresses the internet cannot reach: loopback, private, link-local, CGNAT, ULA.
pub fn is_private_ip(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let o = v4.octets();
            v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || (o[0] == 100 && (64..128).contains(&o[1]))
        }
        IpAddr::V6(v6) => {
            let first = v6.segments()[0];
            v6.is_loopback()
                || v6.is_unspecified()
                || (first & 0xfe00) == 0xfc00
                || (first & 0xffc0) == 0xfe80
                || v6
                    .to_ipv4_mapped()
                    .is_some_and(|v4| is_private_ip(IpAddr::V4(v4)))
        }
    }
}

/// Whether the service could download `url` itself. Names are resolved (briefly); a name that
/// does not resolve, or resolves only to private addresses, counts as unreachable.
pub async fn publicly_reachable(url: &Url) -> bool {
    if !matches!(url.scheme(), "http" | "https") {
        return false;
    }
    match url.host() {
        Some(Host::Ipv4(v4)) => !is_private_ip(IpAddr::V4(v4)),
        Some(Host::Ipv6(v6)) => !is_private_ip(IpAddr::V6(v6)),
        Some(Host::Domain(name)) => domain_is_public(name, url.port_or_known_default()).await,
        None => false,
    }
}

async fn domain_is_public(name: &str, port: Option<u16>) -> bool {
    let lower = name.to_ascii_lowercase();
    let local_suffix = [".local", ".localhost", ".internal", ".lan", ".home.arpa"]
        .iter()
        .any(|s| lower.ends_with(s));
    if lower == "localhost" || local_suffix || !lower.contains('.') {
        return false;
    }

    let target = format!("{lower}:{}", port.unwrap_or(443));
    match tokio::time::timeout(Duration::from_secs(3), tokio::net::lookup_host(target)).await {
        Ok(Ok(addrs)) => {
            let ips: Vec<IpAddr> = addrs.map(|a| a.ip()).collect();
            !ips.is_empty() && ips.iter().any(|ip| !is_private_ip(*ip))
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn allowed(url: &str, patterns: &[&str]) -> bool {
        let patterns: Vec<String> = patterns.iter().map(|p| p.to_string()).collect();
        Url::parse(url).is_ok_and(|u| host_allowed(&u, &patterns))
    }

    #[test]
    fn wildcard_matches_subdomains_only() {
        let p = ["*.aliyuncs.com"];
        assert!(allowed(
            "https://dashscope-result-bj.oss-cn-beijing.aliyuncs.com/x.png",
            &p
        ));
        assert!(!allowed("https://aliyuncs.com/x.png", &p));
        assert!(!allowed("https://evilaliyuncs.com/x.png", &p));
        assert!(!allowed("https://aliyuncs.com.evil.org/x.png", &p));
    }

    #[test]
    fn port_is_checked_when_given() {
        assert!(allowed("http://127.0.0.1:8099/r.png", &["127.0.0.1:8099"]));
        assert!(!allowed("http://127.0.0.1:8098/r.png", &["127.0.0.1:8099"]));
        assert!(allowed("http://127.0.0.1:8098/r.png", &["127.0.0.1"]));
    }

    #[test]
    fn private_ranges() {
        for ip in [
            "127.0.0.1",
            "10.1.2.3",
            "192.168.1.1",
            "100.64.0.1",
            "::1",
            "fd00::1",
        ] {
            assert!(is_private_ip(ip.parse().expect("ip")), "{ip}");
        }
        assert!(!is_private_ip("47.92.1.1".parse().expect("ip")));
    }
}
