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

/// This machine's interface addresses, so that a listener on 0.0.0.0 or :: is known at every one of them.
#[cfg(unix)]
pub fn interface_addresses() -> Vec<std::net::IpAddr> {
    use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
    let mut out = Vec::new();
    // SAFETY: getifaddrs hands over a linked list that stays valid until freeifaddrs; each address is read
    // as the struct its family names.
    unsafe {
        let mut list: *mut libc::ifaddrs = std::ptr::null_mut();
        if libc::getifaddrs(&mut list) != 0 {
            return out;
        }
        let mut cursor = list;
        while !cursor.is_null() {
            let address = (*cursor).ifa_addr;
            if !address.is_null() {
                match i32::from((*address).sa_family) {
                    libc::AF_INET => {
                        let v4 = &*(address as *const libc::sockaddr_in);
                        out.push(IpAddr::V4(Ipv4Addr::from(u32::from_be(v4.sin_addr.s_addr))));
                    }
                    libc::AF_INET6 => {
                        let v6 = &*(address as *const libc::sockaddr_in6);
                        out.push(IpAddr::V6(Ipv6Addr::from(v6.sin6_addr.s6_addr)));
                    }
                    _ => {}
                }
            }
            cursor = (*cursor).ifa_next;
        }
        libc::freeifaddrs(list);
    }
    out
}

#[cfg(not(unix))]
pub fn interface_addresses() -> Vec<std::net::IpAddr> {
    Vec::new()
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
