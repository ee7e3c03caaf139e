//! Where a routing address may point. Project members set addresses, and the gateway connects to them from
//! its own machine, so an address must not reach what only that machine can: Portico's own listeners (a
//! proxy onto the console would make the console same-origin with every gateway page), link-local and cloud
//! metadata addresses, and loopback unless a system admin allows it. Private ranges stay allowed, since that
//! is where most backends live; a system admin may deny more ranges.
//!
//! Addresses are checked when saved, imported, rolled back to and deployed (a literal IP or `localhost`), and
//! again by the gateway for every address a host name resolves to, since DNS can point anywhere.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::RwLock;

use ipnet::IpNet;

use crate::model::{Refusal, Routing, Rule, Violation};
use crate::Result;

/// The rules one Portico process applies; set from its command line.
#[derive(Debug, Default)]
pub struct BackendPolicy {
    allow_loopback: bool,
    denied: Vec<IpNet>,
    /// Where this process listens (console, gateways); added as listeners bind.
    own: RwLock<Vec<SocketAddr>>,
    /// This machine's interface addresses: a listener on 0.0.0.0 or :: is reachable at each of them.
    interfaces: RwLock<Vec<IpAddr>>,
}

/// Cloud metadata services outside link-local space (Alibaba's IPv4, AWS's IPv6), always refused.
const METADATA: [IpAddr; 2] = [
    IpAddr::V4(Ipv4Addr::new(100, 100, 100, 200)),
    IpAddr::V6(Ipv6Addr::new(0xfd00, 0xec2, 0, 0, 0, 0, 0, 0x254)),
];

/// The host of a routing address, as a connection would see it.
enum Host {
    Ip(IpAddr),
    /// `localhost` and names under it resolve to loopback without asking DNS.
    Localhost,
    Name,
}

fn host_of(address: &str) -> Option<(Host, Option<u16>)> {
    // The WHATWG parser normalises what resolvers accept too (`127.1`, `0x7f.0.0.1`, `2130706433`).
    let url = url::Url::parse(address).ok()?;
    let host = match url.host()? {
        url::Host::Ipv4(ip) => Host::Ip(IpAddr::V4(ip)),
        url::Host::Ipv6(ip) => Host::Ip(IpAddr::V6(ip)),
        url::Host::Domain(d) => {
            let d = d.trim_end_matches('.').to_ascii_lowercase();
            if d == "localhost" || d.ends_with(".localhost") {
                Host::Localhost
            } else {
                Host::Name
            }
        }
    };
    Some((host, url.port_or_known_default()))
}

/// An IPv4 address written as IPv6 (mapped `::ffff:127.0.0.1`, compatible `::127.0.0.1`, or NAT64
/// `64:ff9b::127.0.0.1`) is checked as the IPv4 address it reaches.
fn canonical(ip: IpAddr) -> IpAddr {
    let IpAddr::V6(v6) = ip else { return ip };
    if let Some(v4) = v6.to_ipv4_mapped() {
        return IpAddr::V4(v4);
    }
    let s = v6.segments();
    let embedded = Ipv4Addr::new((s[6] >> 8) as u8, s[6] as u8, (s[7] >> 8) as u8, s[7] as u8);
    let compatible = s[..6].iter().all(|x| *x == 0) && !v6.is_loopback() && !v6.is_unspecified();
    let nat64 = s[..6] == [0x64, 0xff9b, 0, 0, 0, 0];
    if compatible || nat64 {
        IpAddr::V4(embedded)
    } else {
        ip
    }
}

fn is_link_local(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => v4.is_link_local(),
        IpAddr::V6(v6) => (v6.segments()[0] & 0xffc0) == 0xfe80,
    }
}

/// Loopback, or the unspecified address (a connection to 0.0.0.0 or :: reaches this machine).
fn is_this_machine(ip: IpAddr) -> bool {
    ip.is_loopback() || ip.is_unspecified()
}

impl BackendPolicy {
    pub fn new(allow_loopback: bool, denied: Vec<IpNet>) -> BackendPolicy {
        BackendPolicy {
            allow_loopback,
            denied,
            own: RwLock::default(),
            interfaces: RwLock::default(),
        }
    }

    /// Loopback allowed, nothing else denied: the demo, and tests whose backends run on this machine.
    pub fn allowing_loopback() -> BackendPolicy {
        BackendPolicy::new(true, Vec::new())
    }

    /// Records this machine's interface addresses (a listener on 0.0.0.0 answers at each).
    pub fn set_interface_addresses(&self, addresses: Vec<IpAddr>) {
        *self.interfaces.write().unwrap_or_else(|e| e.into_inner()) =
            addresses.into_iter().map(canonical).collect();
    }

    /// Records a listener of this process, so no address may point at it.
    pub fn add_own_listener(&self, address: SocketAddr) {
        self.own.write().unwrap_or_else(|e| e.into_inner()).push(address);
    }

    fn is_own(&self, ip: IpAddr, port: u16) -> bool {
        let on_this_machine = is_this_machine(ip)
            || self
                .interfaces
                .read()
                .unwrap_or_else(|e| e.into_inner())
                .contains(&ip);
        self.own
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .any(|own| {
                own.port() == port
                    && (canonical(own.ip()) == ip
                        || (own.ip().is_unspecified() && on_this_machine)
                        || (is_this_machine(own.ip()) && is_this_machine(ip)))
            })
    }

    /// Why a connection to `ip:port` is refused, if it is.
    pub fn refusal(&self, ip: IpAddr, port: u16) -> Option<Refusal> {
        let ip = canonical(ip);
        if self.is_own(ip, port) {
            Some(Refusal::Portico)
        } else if is_link_local(ip) || METADATA.contains(&ip) {
            Some(Refusal::LinkLocal)
        } else if ip.is_multicast() || ip == IpAddr::V4(Ipv4Addr::BROADCAST) {
            Some(Refusal::NotUnicast)
        } else if is_this_machine(ip) && !self.allow_loopback {
            Some(Refusal::Loopback)
        } else if self.denied.iter().any(|net| net.contains(&ip)) {
            Some(Refusal::Denied)
        } else {
            None
        }
    }

    /// Checks every routing address whose host is known without DNS; names are checked when resolved.
    pub fn check_routing(&self, routing: &Routing) -> Result<()> {
        for (i, a) in routing.address_list.iter().enumerate() {
            let Some((host, port)) = host_of(&a.address) else {
                continue; // the model's own check words a malformed address
            };
            let port = port.unwrap_or(80);
            let why = match host {
                Host::Ip(ip) => self.refusal(ip, port),
                Host::Localhost => self
                    .refusal(IpAddr::V4(Ipv4Addr::LOCALHOST), port)
                    .or_else(|| self.refusal(IpAddr::V6(Ipv6Addr::LOCALHOST), port)),
                Host::Name => None,
            };
            if let Some(refusal) = why {
                let value = crate::model::shortened(&a.address);
                let rule = Rule::AddressRefused { value, refusal };
                return Err(Violation::new(format!("routing.addressList[{i}].address"), rule).into());
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::RoutingAddress;

    fn routing(address: &str) -> Routing {
        Routing {
            address_list: vec![RoutingAddress {
                address: address.into(),
                weight: 1,
                soap_type: None,
            }],
            ..Routing::default()
        }
    }

    #[test]
    fn only_what_the_machine_alone_can_reach_is_refused() {
        let strict = BackendPolicy::new(false, vec!["203.0.113.0/24".parse().unwrap()]);
        for refused in [
            "http://127.0.0.1:8080",
            "http://127.1:8080",
            "http://2130706433/",
            "http://0x7f.0.0.1/",
            "http://localhost:9000",
            "http://api.localhost/",
            "http://[::1]/",
            "http://[::ffff:127.0.0.1]/",
            "http://0.0.0.0:3000",
            "http://169.254.169.254/latest/meta-data",
            "http://[fe80::1]/",
            "http://203.0.113.7/",
            "http://100.100.100.200/latest/meta-data",
            "http://[fd00:ec2::254]/",
            "http://[::127.0.0.1]/",
            "http://[64:ff9b::7f00:1]/",
        ] {
            let e = strict.check_routing(&routing(refused)).unwrap_err();
            assert!(
                e.to_string().contains("routing.addressList[0].address"),
                "{refused}: {e}"
            );
        }
        for allowed in [
            "http://10.0.0.5:8080",
            "http://172.16.1.1",
            "http://192.168.1.10",
            "https://backend1.example.com",
            "http://8.8.8.8",
        ] {
            strict.check_routing(&routing(allowed)).unwrap();
        }
    }

    #[test]
    fn loopback_may_be_allowed_but_portico_itself_never() {
        let demo = BackendPolicy::allowing_loopback();
        demo.add_own_listener("127.0.0.1:3000".parse().unwrap());
        demo.add_own_listener("0.0.0.0:8080".parse().unwrap());
        demo.check_routing(&routing("http://127.0.0.1:9101")).unwrap();
        for own in [
            "http://127.0.0.1:3000/api",
            "http://localhost:3000",
            "http://127.0.0.2:8080",
            "http://[::1]:3000",
        ] {
            let e = demo.check_routing(&routing(own)).unwrap_err();
            assert!(e.to_string().contains("Portico itself"), "{own}: {e}");
        }
        assert!(demo.refusal("169.254.169.254".parse().unwrap(), 80).is_some());
        // A listener on every address is reached at each of this machine's interface addresses too.
        demo.set_interface_addresses(vec!["10.0.0.5".parse().unwrap()]);
        let e = demo
            .check_routing(&routing("http://10.0.0.5:8080/b"))
            .unwrap_err();
        assert!(e.to_string().contains("Portico itself"), "{e}");
        demo.check_routing(&routing("http://10.0.0.5:9000/b")).unwrap();
        demo.check_routing(&routing("http://10.0.0.6:8080/b")).unwrap();
    }
}
