#![allow(clippy::unwrap_used, clippy::expect_used)]
//! `amqps://`: the studio reaches a broker through TLS, trusting a private CA given as
//! `queue.tls_ca_file`, and refuses a certificate it has no reason to trust. The broker here
//! speaks plain AMQP, so the test puts a TLS front (made in the test) before it.

#[path = "support/rabbit.rs"]
mod rabbit;

use std::sync::Arc;

use aigc_studio::queue::{Broker, QueueError, RabbitBroker, RabbitOptions};
use aigc_studio::task::{Lane, TaskType};
use rabbit::{next, quick, task, Scope, LIMIT};
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio_rustls::rustls::{crypto::ring, ServerConfig};
use tokio_rustls::TlsAcceptor;

/// A TLS listener on a free port forwarding every connection to the local RabbitMQ; returns
/// the port and the PEM of its self-signed certificate for `localhost`.
async fn tls_front() -> (u16, String) {
    let made = rcgen::generate_simple_self_signed(vec!["localhost".to_string()]).unwrap();
    let cert = CertificateDer::from(made.cert.der().to_vec());
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(made.signing_key.serialize_der()));
    let config = ServerConfig::builder_with_provider(Arc::new(ring::default_provider()))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(vec![cert], key)
        .unwrap();
    let acceptor = TlsAcceptor::from(Arc::new(config));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let Ok(mut tls) = acceptor.accept(socket).await else {
                    return;
                };
                let mut broker = TcpStream::connect("127.0.0.1:5672").await.unwrap();
                let _ = tokio::io::copy_bidirectional(&mut tls, &mut broker).await;
            });
        }
    });
    (port, made.cert.pem())
}

fn amqps(port: u16) -> String {
    format!("amqps://guest:guest@localhost:{port}/%2f")
}

#[tokio::test]
async fn tasks_go_round_over_tls_with_a_private_ca() {
    let scope = Scope::new();
    let (port, ca) = tls_front().await;
    let options = RabbitOptions {
        tls_ca_pem: Some(ca),
        ..quick()
    };
    let broker = RabbitBroker::connect_with(&amqps(port), &scope.prefix, LIMIT, options)
        .await
        .expect("connect over TLS");
    let mut local = broker.consume_tasks(Lane::Local, 2).await.unwrap();
    let resize = task(7, TaskType::Resize);
    broker
        .publish_task(&resize)
        .await
        .expect("publish over TLS");
    let got = next(&mut local).await;
    assert_eq!(got.body, resize);
    got.ack().await.expect("ack over TLS");
    assert!(broker.health().await.is_ok());
    broker.close().await;
}

#[tokio::test]
async fn a_certificate_nobody_vouches_for_is_refused() {
    let scope = Scope::new();
    let (port, _ca) = tls_front().await;
    let options = RabbitOptions {
        publish_wait: std::time::Duration::from_secs(1),
        ..quick()
    };
    let refused = RabbitBroker::connect_with(&amqps(port), &scope.prefix, LIMIT, options).await;
    match refused {
        Err(QueueError::Connection(reason)) => {
            assert!(reason.to_lowercase().contains("certificate"), "{reason}")
        }
        Err(other) => panic!("expected a connection error, got {other}"),
        Ok(_) => panic!("connected through a certificate nobody vouches for"),
    }
}

#[tokio::test]
async fn a_ca_file_that_is_not_a_certificate_stops_the_start_with_its_name() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("ca.pem");
    std::fs::write(&file, "not a certificate").unwrap();
    let path = file.display().to_string();
    for (ca, expected) in [
        (path.as_str(), "holds no PEM"),
        ("/nowhere/ca.pem", "reading"),
    ] {
        let overrides = [
            ("queue.url", "amqps://guest:guest@localhost:5671/%2f"),
            ("queue.tls_ca_file", ca),
        ];
        let settings = aigc_studio::settings::Settings::load_with(None, &overrides).unwrap();
        let err = aigc_studio::app::open_broker(&settings)
            .await
            .err()
            .expect("start refused");
        let text = format!("{err:#}");
        assert!(
            text.contains("queue.tls_ca_file") && text.contains(expected),
            "{text}"
        );
    }
}
