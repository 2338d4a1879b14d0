//! Connections a hostile client cannot pile up: at most `max_connections` open at once and at most
//! `max_connections_per_address` from one network address (each holds its slots for its whole life;
//! one more is closed at once, so the server never runs out of file descriptors — `serve` fits the cap
//! to the process's `RLIMIT_NOFILE`), and the request headers must arrive within `header_timeout_secs`
//! (set on the HTTP/1 builder in `serve`), so connections that never finish their headers, or sit idle
//! between requests, are closed. The HTTP/1 timer starts only once the server has seen which HTTP
//! version the client speaks (its first 24 bytes): until then [`Slotted`] holds the same deadline, so a
//! connection that sends nothing, or a few bytes, is closed too.
//!
//! Closing lingers: a request refused before its body was read (429, 401, 413) is answered while the
//! client is still sending, and closing a socket with unread bytes makes the kernel reset it — the
//! client then loses the answer it was sent. So [`Slotted`] shuts its write side, then reads and drops
//! what the client still sends for at most [`LINGER`] (as nginx's `lingering_close` does) before the
//! connection is let go.

use axum_server::accept::Accept;
use std::collections::HashMap;
use std::future::Future;
use std::io;
use std::net::IpAddr;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// Open connections per address, shared by the acceptor and every connection's guard.
#[derive(Debug, Default)]
struct PerAddress {
    open: Mutex<HashMap<IpAddr, usize>>,
}

impl PerAddress {
    /// Count one more from `ip` unless it already has `max`.
    fn take(self: &Arc<Self>, ip: IpAddr, max: usize) -> Option<AddressSlot> {
        let mut open = self.open.lock().unwrap_or_else(|p| p.into_inner());
        let n = open.entry(ip).or_insert(0);
        if *n >= max {
            return None;
        }
        *n += 1;
        Some(AddressSlot { ip, table: self.clone() })
    }
}

/// One connection counted against its address (released when dropped).
#[derive(Debug)]
struct AddressSlot {
    ip: IpAddr,
    table: Arc<PerAddress>,
}

impl Drop for AddressSlot {
    fn drop(&mut self) {
        let mut open = self.table.open.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(n) = open.get_mut(&self.ip) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                open.remove(&self.ip);
            }
        }
    }
}

/// An acceptor that takes a connection slot (overall and for the peer's address) before handing the
/// stream to `inner` (TLS or none).
#[derive(Debug, Clone)]
pub struct ConnLimit<A> {
    inner: A,
    slots: Arc<Semaphore>,
    per_address: Arc<PerAddress>,
    max_per_address: usize,
    first_bytes: Duration,
    metrics: Arc<crate::metrics::Metrics>,
}

impl<A> ConnLimit<A> {
    /// At most `max` connections through `inner`, `max_per_address` of them from one address; each
    /// must send its first bytes within `first_bytes`.
    pub fn new(
        inner: A,
        max: usize,
        max_per_address: usize,
        first_bytes: Duration,
        metrics: Arc<crate::metrics::Metrics>,
    ) -> Self {
        ConnLimit {
            inner,
            slots: Arc::new(Semaphore::new(max.max(1))),
            per_address: Arc::default(),
            max_per_address: max_per_address.max(1),
            first_bytes,
            metrics,
        }
    }
}

impl<A, S> Accept<TcpStream, S> for ConnLimit<A>
where
    A: Accept<TcpStream, S> + Clone + Send + 'static,
    A::Future: Send + 'static,
    S: Send + 'static,
{
    type Stream = Slotted<A::Stream>;
    type Service = A::Service;
    type Future = Pin<Box<dyn Future<Output = io::Result<(Self::Stream, Self::Service)>> + Send>>;

    fn accept(&self, stream: TcpStream, service: S) -> Self::Future {
        let address = match stream.peer_addr() {
            Ok(peer) => self.per_address.take(peer.ip(), self.max_per_address).ok_or("connection_limit_address"),
            // Gone already: nothing to serve.
            Err(_) => Err("connection_gone"),
        };
        let slot = self.slots.clone().try_acquire_owned();
        let (inner, metrics) = (self.inner.clone(), self.metrics.clone());
        let deadline = Box::pin(tokio::time::sleep(self.first_bytes));
        Box::pin(async move {
            // Full: close this one now rather than let it wait (or exhaust descriptors).
            let address = address.inspect_err(|why| metrics.rejection(why)).map_err(io::Error::other)?;
            let Ok(permit) = slot else {
                metrics.rejection("connection_limit");
                return Err(io::Error::other("connection limit reached"));
            };
            let (stream, service) = inner.accept(stream, service).await?;
            let slotted = Slotted {
                inner: stream,
                first_bytes: 0,
                deadline: Some(deadline),
                linger: None,
                _slot: permit,
                _address: address,
            };
            Ok((slotted, service))
        })
    }
}

/// How many bytes the HTTP version sniffing reads before handing over to HTTP/1 (the HTTP/2 preface).
const VERSION_SNIFF_BYTES: usize = 24;

/// How long a closing connection keeps reading (and dropping) what its client still sends, so the
/// client reads the answer rather than a reset.
pub const LINGER: Duration = Duration::from_secs(2);

/// A closing connection: its write side is shut (or being shut), what arrives is dropped until EOF or
/// the deadline.
#[derive(Debug)]
struct Linger {
    write_closed: bool,
    deadline: Pin<Box<tokio::time::Sleep>>,
}

/// A stream that holds its connection slots until it is dropped, and is cut off when its first bytes
/// do not arrive by the deadline.
#[derive(Debug)]
pub struct Slotted<S> {
    inner: S,
    /// Bytes read so far, counted up to [`VERSION_SNIFF_BYTES`].
    first_bytes: usize,
    /// Until the first bytes have arrived.
    deadline: Option<Pin<Box<tokio::time::Sleep>>>,
    /// Set once the connection is being closed.
    linger: Option<Linger>,
    _slot: OwnedSemaphorePermit,
    _address: AddressSlot,
}

impl<S: AsyncRead + Unpin> AsyncRead for Slotted<S> {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        match Pin::new(&mut this.inner).poll_read(cx, buf) {
            Poll::Ready(result) => {
                if this.deadline.is_some() {
                    this.first_bytes += buf.filled().len() - before;
                    if this.first_bytes >= VERSION_SNIFF_BYTES {
                        this.deadline = None;
                    }
                }
                Poll::Ready(result)
            }
            Poll::Pending => match this.deadline.as_mut().map(|d| d.as_mut().poll(cx)) {
                Some(Poll::Ready(())) => {
                    Poll::Ready(Err(io::Error::new(io::ErrorKind::TimedOut, "no request within the header timeout")))
                }
                _ => Poll::Pending,
            },
        }
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> AsyncWrite for Slotted<S> {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let linger = this
            .linger
            .get_or_insert_with(|| Linger { write_closed: false, deadline: Box::pin(tokio::time::sleep(LINGER)) });
        if !linger.write_closed {
            match Pin::new(&mut this.inner).poll_shutdown(cx) {
                Poll::Ready(Ok(())) => linger.write_closed = true,
                // Gone already: nothing left to linger for.
                Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                Poll::Pending => return Poll::Pending,
            }
        }
        let mut scratch = [0u8; 16 * 1024];
        loop {
            let mut buf = ReadBuf::new(&mut scratch);
            match Pin::new(&mut this.inner).poll_read(cx, &mut buf) {
                // End of stream, or the client reset: done.
                Poll::Ready(Ok(())) if buf.filled().is_empty() => return Poll::Ready(Ok(())),
                Poll::Ready(Err(_)) => return Poll::Ready(Ok(())),
                Poll::Ready(Ok(())) => continue,
                Poll::Pending => {
                    return match linger.deadline.as_mut().poll(cx) {
                        Poll::Ready(()) => Poll::Ready(Ok(())),
                        Poll::Pending => Poll::Pending,
                    };
                }
            }
        }
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }
}
