//! HTTPS backends: verified against the CAs a node trusts, with the name from the address; HTTP/2 where the
//! backend offers it; refused certificates answered 502 with the reason. Certificates are made in the test.

mod common;

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use common::certs::{self, ca, Ca};
use common::{client, spec, world_with};
use deploy::model::{Routing, RoutingAddress, RoutingAlgorithm};
use http_body_util::Full;
use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio::net::TcpListener;

/// A leaf certificate for `names`, signed by `ca`, in the form rustls takes.
fn leaf(ca: &Ca, names: &[&str], expired: bool) -> (CertificateDer<'static>, PrivateKeyDer<'static>) {
    let (cert, key) = certs::leaf(ca, names, expired);
    (
        cert.der().clone(),
        PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der())),
    )
}

fn trusting(ca: &Ca) -> gateway::tls::Trust {
    let mut roots = rustls::RootCertStore::empty();
    roots.add(ca.cert.der().clone()).unwrap();
    gateway::tls::Trust::with_roots(roots, gateway::tls::BACKEND_ALPN).unwrap()
}

/// An HTTPS backend answering "<name> <HTTP version>"; offers HTTP/2 by ALPN when `http2`.
async fn https_backend(
    name: &'static str,
    cert: (CertificateDer<'static>, PrivateKeyDer<'static>),
    http2: bool,
) -> u16 {
    #[allow(deprecated)]
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(vec![cert.0], cert.1)
        .unwrap();
    config.alpn_protocols = if http2 {
        vec![b"h2".to_vec(), b"http/1.1".to_vec()]
    } else {
        vec![b"http/1.1".to_vec()]
    };
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        loop {
            let Ok((tcp, _)) = listener.accept().await else {
                continue;
            };
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let Ok(tls) = acceptor.accept(tcp).await else {
                    return;
                };
                let h2 = tls.get_ref().1.alpn_protocol() == Some(b"h2");
                let service = service_fn(move |req: hyper::Request<hyper::body::Incoming>| async move {
                    let text = format!("{name} {:?}", req.version());
                    Ok::<_, Infallible>(hyper::Response::new(Full::new(Bytes::from(text))))
                });
                if h2 {
                    let _ = hyper::server::conn::http2::Builder::new(TokioExecutor::new())
                        .serve_connection(TokioIo::new(tls), service)
                        .await;
                } else {
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(tls), service)
                        .await;
                }
            });
        }
    });
    port
}

fn to(address: String) -> Routing {
    Routing {
        algorithm: RoutingAlgorithm::RoundRobin,
        address_list: vec![RoutingAddress {
            address,
            weight: 1,
            soap_type: None,
        }],
    }
}

async fn tls_world(trusted: &Ca) -> common::World {
    world_with(gateway::Options {
        connect_timeout: Duration::from_millis(500),
        response_timeout: Duration::from_millis(2000),
        backend_trust: Some(trusting(trusted)),
        ..Default::default()
    })
    .await
}

#[tokio::test]
async fn https_backends_are_served_over_http2_when_offered_and_http1_otherwise() {
    let ours = ca("Portico test CA");
    let w = tls_world(&ours).await;
    let h2 = https_backend("h2", leaf(&ours, &["localhost"], false), true).await;
    let h1 = https_backend("h1", leaf(&ours, &["localhost"], false), false).await;
    w.deploy("two", spec("/two", to(format!("https://localhost:{h2}"))))
        .await;
    w.deploy("one", spec("/one", to(format!("https://localhost:{h1}/base"))))
        .await;
    for _ in 0..3 {
        let r = client().get(format!("{}/two/x", w.url)).send().await.unwrap();
        assert_eq!(r.status(), 200);
        assert_eq!(r.text().await.unwrap(), "h2 HTTP/2.0");
        let r = client().get(format!("{}/one/x", w.url)).send().await.unwrap();
        assert_eq!(r.status(), 200);
        assert_eq!(r.text().await.unwrap(), "h1 HTTP/1.1");
    }
}

#[tokio::test]
async fn refused_certificates_are_a_502_that_says_why() {
    let ours = ca("Portico test CA");
    let theirs = ca("Someone else's CA");
    let w = tls_world(&ours).await;
    let cases = [
        (
            "unknown",
            https_backend("x", leaf(&theirs, &["localhost"], false), false).await,
            "localhost",
            "signed by a CA this node does not trust",
        ),
        (
            "expired",
            https_backend("x", leaf(&ours, &["localhost"], true), false).await,
            "localhost",
            "expired",
        ),
        (
            "name",
            https_backend("x", leaf(&ours, &["localhost"], false), false).await,
            "127.0.0.1",
            "not valid for the host name",
        ),
    ];
    for (name, port, host, why) in cases {
        w.deploy(
            name,
            spec(&format!("/{name}"), to(format!("https://{host}:{port}"))),
        )
        .await;
        let r = client().get(format!("{}/{name}", w.url)).send().await.unwrap();
        assert_eq!(r.status(), 502, "{name}");
        let body = r.text().await.unwrap();
        assert!(body.contains(why), "{name}: {body}");
    }
}
