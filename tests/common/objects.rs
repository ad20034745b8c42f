//! An S3-compatible object store on a free local port (s3s over a temporary folder), with
//! credentials, so every request of the studio's client is checked for a valid signature.

use std::path::PathBuf;

use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto::Builder;
use s3s::auth::SimpleAuth;
use s3s::service::S3ServiceBuilder;

pub const ACCESS_KEY: &str = "studio-test-key";
pub const SECRET_KEY: &str = "studio-test-secret";
pub const BUCKET: &str = "studio";

pub struct ObjectStore {
    pub endpoint: String,
    pub dir: tempfile::TempDir,
    server: tokio::task::JoinHandle<()>,
}

impl ObjectStore {
    pub async fn start() -> ObjectStore {
        let dir = tempfile::tempdir().expect("store folder");
        std::fs::create_dir_all(dir.path().join(BUCKET)).expect("bucket folder");
        let fs = s3s_fs::FileSystem::new(dir.path()).expect("s3s-fs");
        let mut builder = S3ServiceBuilder::new(fs);
        builder.set_auth(SimpleAuth::from_single(ACCESS_KEY, SECRET_KEY));
        let service = builder.build();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a free port");
        let endpoint = format!("http://{}", listener.local_addr().expect("bound address"));
        let server = tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                let service = service.clone();
                tokio::spawn(async move {
                    let connection = Builder::new(TokioExecutor::new());
                    let _ = connection
                        .serve_connection(TokioIo::new(socket), service)
                        .await;
                });
            }
        });
        ObjectStore {
            endpoint,
            dir,
            server,
        }
    }

    /// The `storage.s3.*` settings that point the studio at this store.
    pub fn settings(&self) -> Vec<(String, String)> {
        [
            ("storage.s3.endpoint", self.endpoint.as_str()),
            ("storage.s3.bucket", BUCKET),
            ("storage.s3.region", "us-east-1"),
            ("storage.s3.access_key_id", ACCESS_KEY),
            ("storage.s3.secret_access_key", SECRET_KEY),
            ("storage.s3.path_style", "true"),
            ("storage.s3.prefix", "aigc"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
    }

    pub fn bucket_settings(&self) -> aigc_studio::storage::BucketSettings {
        aigc_studio::storage::BucketSettings {
            endpoint: self.endpoint.clone(),
            bucket: BUCKET.into(),
            region: "us-east-1".into(),
            access_key_id: ACCESS_KEY.into(),
            secret_access_key: aigc_studio::settings::Secret::new(SECRET_KEY),
            path_style: true,
            prefix: "aigc".into(),
        }
    }

    /// Where the store keeps an object on disk, to check what really arrived.
    pub fn object_path(&self, key: &str) -> PathBuf {
        self.dir.path().join(BUCKET).join("aigc").join(key)
    }
}

impl Drop for ObjectStore {
    fn drop(&mut self) {
        self.server.abort();
    }
}
