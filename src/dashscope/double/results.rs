//! Result images of the double, behind signed links that expire like object-storage URLs.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};

use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;

/// Oldest results are dropped beyond this, so a long benchmark does not grow without bound.
const KEEP_RESULTS: usize = 256;

pub(crate) fn unix_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

struct Stored {
    bytes: Bytes,
    expires_ms: i64,
}

pub(crate) struct ResultStore {
    secret: u64,
    items: Mutex<(HashMap<String, Stored>, VecDeque<String>)>,
}

/// Why a result link was refused, with the OSS-style error code.
pub(crate) enum Refusal {
    NoSuchKey,
    BadSignature,
    Expired,
}

impl ResultStore {
    pub(crate) fn new(secret: u64) -> Self {
        Self {
            secret,
            items: Mutex::new((HashMap::new(), VecDeque::new())),
        }
    }

    /// Stores a PNG; returns `(id, expires_secs, signature)` for the link.
    pub(crate) fn put(&self, id: String, bytes: Bytes, expires_ms: i64) -> (i64, String) {
        let expires_secs = expires_ms.div_euclid(1000);
        let signature = self.sign(&id, expires_secs);
        if let Ok(mut guard) = self.items.lock() {
            let (map, order) = &mut *guard;
            map.insert(id.clone(), Stored { bytes, expires_ms });
            order.push_back(id);
            while order.len() > KEEP_RESULTS {
                if let Some(old) = order.pop_front() {
                    map.remove(&old);
                }
            }
        }
        (expires_secs, signature)
    }

    pub(crate) fn get(&self, id: &str, expires: i64, signature: &str) -> Result<Bytes, Refusal> {
        if self.sign(id, expires) != signature {
            return Err(Refusal::BadSignature);
        }
        let guard = self.items.lock().map_err(|_| Refusal::NoSuchKey)?;
        let stored = guard.0.get(id).ok_or(Refusal::NoSuchKey)?;
        if unix_ms() >= stored.expires_ms {
            return Err(Refusal::Expired);
        }
        Ok(stored.bytes.clone())
    }

    /// FNV-1a over secret, id and expiry: not cryptography, just a link a client cannot
    /// edit without the double noticing.
    fn sign(&self, id: &str, expires: i64) -> String {
        let mut hash: u64 = 0xcbf2_9ce4_8422_2325 ^ self.secret;
        for byte in id.bytes().chain(expires.to_le_bytes()) {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
        format!("{hash:016x}")
    }
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        let (status, code, message) = match self {
            Refusal::NoSuchKey => (
                StatusCode::NOT_FOUND,
                "NoSuchKey",
                "The specified key does not exist.",
            ),
            Refusal::BadSignature => (
                StatusCode::FORBIDDEN,
                "SignatureDoesNotMatch",
                "The request signature we calculated does not match the signature you provided.",
            ),
            Refusal::Expired => (
                StatusCode::FORBIDDEN,
                "AccessDenied",
                "Request has expired.",
            ),
        };
        let body = format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error>\n  <Code>{code}</Code>\n  \
             <Message>{message}</Message>\n  <RequestId>{}</RequestId>\n  \
             <HostId>dashscope-double</HostId>\n</Error>\n",
            uuid::Uuid::new_v4().simple()
        );
        (status, [(header::CONTENT_TYPE, "application/xml")], body).into_response()
    }
}
