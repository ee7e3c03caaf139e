//! Listening like nginx's workers do: one socket per worker thread on the same port (SO_REUSEPORT), each
//! thread with its own single-threaded runtime. A request then stays on one thread from accept to backend and
//! back, with no hand-offs between threads.

use std::cell::Cell;
use std::net::SocketAddr;
use std::sync::OnceLock;

/// How many worker threads (and sockets) a gateway uses: one per CPU.
pub fn workers() -> usize {
    static WORKERS: OnceLock<usize> = OnceLock::new();
    *WORKERS.get_or_init(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
}

thread_local! {
    static WORKER: Cell<usize> = const { Cell::new(0) };
}

/// The worker this thread is (0 outside the workers), so per-worker state needs no sharing.
pub fn current_worker() -> usize {
    WORKER.with(Cell::get)
}

pub(crate) fn set_current_worker(index: usize) {
    WORKER.with(|w| w.set(index));
}

/// One environment's sockets, all on one address.
#[derive(Debug)]
pub struct Listeners {
    pub(crate) sockets: Vec<std::net::TcpListener>,
    address: SocketAddr,
}

impl Listeners {
    pub fn local_addr(&self) -> SocketAddr {
        self.address
    }
}

fn socket(address: SocketAddr) -> std::io::Result<std::net::TcpListener> {
    let socket = match address {
        SocketAddr::V4(_) => tokio::net::TcpSocket::new_v4()?,
        SocketAddr::V6(_) => tokio::net::TcpSocket::new_v6()?,
    };
    socket.set_reuseaddr(true)?;
    #[cfg(unix)]
    socket.set_reuseport(true)?;
    socket.bind(address)?;
    let listener = socket.listen(1024)?.into_std()?;
    Ok(listener)
}

/// Binds `address` (port 0 picks a free port) once per worker.
pub async fn bind(address: SocketAddr) -> std::io::Result<Listeners> {
    let first = socket(address)?;
    let address = first.local_addr()?;
    let mut sockets = vec![first];
    #[cfg(unix)]
    for _ in 1..workers() {
        sockets.push(socket(address)?);
    }
    Ok(Listeners { sockets, address })
}
