//! The one connection a broker handle keeps to RabbitMQ, reopened on demand.
//!
//! Whoever notices a dead connection (a consumer stream, a publish, the health check) asks
//! for a live one; the first caller reconnects and re-declares the topology while the others
//! wait on the lock and then share the result, so a broker restart costs one reconnect per
//! process, not one per stream.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use backon::{BackoffBuilder, ExponentialBackoff, ExponentialBuilder};
use lapin::options::ConfirmSelectOptions;
use lapin::tcp::OwnedTLSConfig;
use lapin::{Channel, Connection, ConnectionProperties};
use tokio::sync::Mutex;
use tracing::{info, warn};

use super::error::{answer_within, RabbitError};
use super::topology::Topology;
use super::RabbitOptions;

#[derive(Clone)]
pub struct Live {
    pub connection: Arc<Connection>,
    /// In confirm mode; shared by every publish of this process.
    pub publisher: Channel,
}

pub struct Link {
    url: String,
    topology: Topology,
    options: RabbitOptions,
    live: Mutex<Option<Live>>,
    closed: AtomicBool,
}

impl Link {
    pub fn new(url: &str, topology: Topology, options: RabbitOptions) -> Link {
        Link {
            url: url.to_string(),
            topology,
            options,
            live: Mutex::new(None),
            closed: AtomicBool::new(false),
        }
    }

    pub fn topology(&self) -> &Topology {
        &self.topology
    }

    pub fn options(&self) -> &RabbitOptions {
        &self.options
    }

    /// The open connection, or one new attempt to open it.
    pub async fn live(&self) -> Result<Live, RabbitError> {
        if self.closed.load(Ordering::SeqCst) {
            return Err(RabbitError::Closed);
        }
        let mut current = self.live.lock().await;
        if let Some(live) = current.as_mut() {
            if live.connection.status().connected() {
                if !live.publisher.status().connected() {
                    // The broker closes a channel that publishes to a missing exchange, so
                    // the topology is declared again before a new publisher channel opens.
                    self.declare(&live.connection).await?;
                    live.publisher = self.open_publisher(&live.connection).await?;
                }
                return Ok(live.clone());
            }
            warn!(prefix = self.topology.prefix(), "RabbitMQ connection lost");
        }
        *current = None;

        let live = self.open().await?;
        *current = Some(live.clone());
        Ok(live)
    }

    /// Like [`Link::live`], trying again with backoff for at most `bound` (`None`: until it
    /// works). Final errors (topology mismatch, closed) come back at once.
    pub async fn live_within(&self, bound: Option<Duration>) -> Result<Live, RabbitError> {
        let started = Instant::now();
        let mut delays = self.options.backoff();
        let mut attempt: u32 = 1;
        loop {
            let err = match self.live().await {
                Ok(live) => return Ok(live),
                Err(err) if err.is_final() => return Err(err),
                Err(err) => err,
            };
            let delay = self.options.next_delay(&mut delays);
            if bound.is_some_and(|bound| started.elapsed() + delay > bound) {
                return Err(err);
            }
            warn!(
                prefix = self.topology.prefix(),
                attempt,
                retry_in_ms = delay.as_millis() as u64,
                error = %err,
                "RabbitMQ not available; trying again"
            );
            tokio::time::sleep(delay).await;
            attempt += 1;
        }
    }

    /// Closes the connection; streams of this broker end and publishes fail with `Closed`.
    pub async fn close(&self) {
        self.closed.store(true, Ordering::SeqCst);
        if let Some(live) = self.live.lock().await.take() {
            if let Err(err) = live.connection.close(200, "broker closed".into()).await {
                warn!(error = %err, "closing the RabbitMQ connection failed");
            }
        }
    }

    async fn open(&self) -> Result<Live, RabbitError> {
        let name = format!("aigc-studio ({})", self.topology.prefix());
        let properties = ConnectionProperties::default().with_connection_name(name.into());
        // amqps:// URLs go through rustls (ring, the tree's one provider); amqp:// is plain TCP.
        let tls = OwnedTLSConfig {
            identity: None,
            cert_chain: self.options.tls_ca_pem.clone(),
        };
        let runtime = lapin::runtime::default_runtime()
            .map_err(|err| RabbitError::Unreachable(err.to_string()))?;
        let connect = Connection::connect_with_config(&self.url, properties, tls, runtime);
        let connection = tokio::time::timeout(self.options.connect_timeout, connect)
            .await
            .map_err(|_| RabbitError::Unreachable("connect timed out".into()))?
            .map_err(|err| RabbitError::Unreachable(err.to_string()))?;

        // A half-set-up connection is closed rather than leaked with its socket.
        let ready = match self.declare(&connection).await {
            Ok(()) => self.open_publisher(&connection).await,
            Err(err) => Err(err),
        };
        let publisher = match ready {
            Ok(publisher) => publisher,
            Err(err) => {
                let _ = connection.close(200, "setup failed".into()).await;
                return Err(err);
            }
        };
        // The URL holds the password, so only the prefix identifies the connection here.
        info!(
            prefix = self.topology.prefix(),
            "connected to RabbitMQ, topology declared"
        );
        Ok(Live {
            connection: Arc::new(connection),
            publisher,
        })
    }
}

impl Link {
    /// Declares the topology on `connection`, bounded like every exchange with the broker.
    pub async fn declare(&self, connection: &Connection) -> Result<(), RabbitError> {
        let after = self.options.answer_timeout;
        let declare = self.topology.declare(connection);
        answer_within("declaring the topology", after, declare).await
    }

    async fn open_publisher(&self, connection: &Connection) -> Result<Channel, RabbitError> {
        let after = self.options.answer_timeout;
        answer_within("opening the publisher channel", after, async {
            let channel = connection.create_channel().await?;
            channel
                .confirm_select(ConfirmSelectOptions::default())
                .await?;
            Ok::<_, RabbitError>(channel)
        })
        .await
    }
}

impl RabbitOptions {
    pub(super) fn backoff(&self) -> ExponentialBackoff {
        ExponentialBuilder::default()
            .with_min_delay(self.reconnect_min)
            .with_max_delay(self.reconnect_max)
            .with_factor(2.0)
            .with_jitter()
            .without_max_times()
            .build()
    }

    /// backon's jitter adds up to one more delay on top, so the cap is applied after it.
    pub(super) fn next_delay(&self, delays: &mut ExponentialBackoff) -> Duration {
        delays
            .next()
            .unwrap_or(self.reconnect_max)
            .min(self.reconnect_max)
    }
}

impl Drop for Link {
    /// The last handle (broker or stream) is gone: say goodbye to the broker instead of
    /// leaving the connection to its heartbeat timeout. Best effort, without a runtime the
    /// socket simply closes with the process.
    fn drop(&mut self) {
        let Some(live) = self.live.get_mut().take() else {
            return;
        };
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(async move {
                let _ = live.connection.close(200, "broker dropped".into()).await;
            });
        }
    }
}
