//! AWS Signature Version 4 for S3 requests, the scheme AWS S3, Aliyun OSS (S3-compatible
//! endpoint), MinIO and most other object stores accept.
//!
//! The payload is always hashed (no `UNSIGNED-PAYLOAD`): every object the studio stores is
//! already in memory, and a signed hash lets the store refuse a body damaged on the way.

use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

/// What identifies the signer to the store.
pub struct Credentials<'a> {
    pub access_key_id: &'a str,
    pub secret_access_key: &'a str,
    pub region: &'a str,
}

/// One request to sign. `path` is the canonical, already percent-encoded path
/// (`/bucket/results/ab12/IMG_0012_white.jpg`); the query string is always empty here.
pub struct Unsigned<'a> {
    pub method: &'a str,
    pub host: &'a str,
    pub path: &'a str,
    pub payload: &'a [u8],
    /// Other headers to sign besides `host`, `x-amz-content-sha256` and `x-amz-date`, with
    /// lowercase names.
    pub extra: &'a [(&'a str, &'a str)],
}

/// The headers to add to the request.
pub struct Signed {
    pub authorization: String,
    pub amz_date: String,
    pub content_sha256: String,
}

pub fn sign(request: &Unsigned<'_>, credentials: &Credentials<'_>, now: DateTime<Utc>) -> Signed {
    let amz_date = now.format("%Y%m%dT%H%M%SZ").to_string();
    let day = now.format("%Y%m%d").to_string();
    let content_sha256 = hex(&Sha256::digest(request.payload));

    let mut headers: Vec<(String, String)> = vec![
        ("host".into(), request.host.to_string()),
        ("x-amz-content-sha256".into(), content_sha256.clone()),
        ("x-amz-date".into(), amz_date.clone()),
    ];
    headers.extend(
        request
            .extra
            .iter()
            .map(|(name, value)| (name.to_ascii_lowercase(), value.trim().to_string())),
    );
    headers.sort();
    let signed_headers = headers
        .iter()
        .map(|(name, _)| name.as_str())
        .collect::<Vec<_>>()
        .join(";");
    let canonical_headers: String = headers
        .iter()
        .map(|(name, value)| format!("{name}:{value}\n"))
        .collect();
    let canonical_request = format!(
        "{}\n{}\n\n{canonical_headers}\n{signed_headers}\n{content_sha256}",
        request.method, request.path
    );

    let scope = format!("{day}/{}/s3/aws4_request", credentials.region);
    let string_to_sign = format!(
        "AWS4-HMAC-SHA256\n{amz_date}\n{scope}\n{}",
        hex(&Sha256::digest(canonical_request.as_bytes()))
    );
    let key = signing_key(credentials.secret_access_key, &day, credentials.region);
    let signature = hex(&hmac(&key, string_to_sign.as_bytes()));
    let authorization = format!(
        "AWS4-HMAC-SHA256 Credential={}/{scope}, SignedHeaders={signed_headers}, Signature={signature}",
        credentials.access_key_id
    );
    Signed {
        authorization,
        amz_date,
        content_sha256,
    }
}

fn signing_key(secret: &str, day: &str, region: &str) -> Vec<u8> {
    let date_key = hmac(format!("AWS4{secret}").as_bytes(), day.as_bytes());
    let region_key = hmac(&date_key, region.as_bytes());
    let service_key = hmac(&region_key, b"s3");
    hmac(&service_key, b"aws4_request")
}

fn hmac(key: &[u8], data: &[u8]) -> Vec<u8> {
    // HMAC accepts keys of any length, so this cannot fail.
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(key) else {
        return Vec::new();
    };
    mac.update(data);
    mac.finalize().into_bytes().to_vec()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Percent-encodes an object key for the request path: everything but the unreserved
/// characters and `/` (S3 keys are not encoded twice, unlike other AWS services).
pub fn encode_key(key: &str) -> String {
    let mut out = String::with_capacity(key.len());
    for byte in key.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~/".contains(&byte) {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    /// The GET Object example of the AWS Signature Version 4 documentation for S3.
    #[test]
    fn matches_the_documented_example() {
        let credentials = Credentials {
            access_key_id: "AKIAIOSFODNN7EXAMPLE",
            secret_access_key: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
            region: "us-east-1",
        };
        let request = Unsigned {
            method: "GET",
            host: "examplebucket.s3.amazonaws.com",
            path: "/test.txt",
            payload: b"",
            extra: &[("range", "bytes=0-9")],
        };
        let now = Utc
            .with_ymd_and_hms(2013, 5, 24, 0, 0, 0)
            .single()
            .unwrap_or_default();
        let signed = sign(&request, &credentials, now);
        assert_eq!(
            signed.authorization,
            "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, \
             SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, \
             Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41"
        );
    }

    #[test]
    fn keys_keep_slashes_and_encode_the_rest() {
        assert_eq!(
            encode_key("results/ab/竖图 1.jpg"),
            "results/ab/%E7%AB%96%E5%9B%BE%201.jpg"
        );
    }
}
