//! Stand-in backends for the demo data set, whose API proxies route to 127.0.0.1:9101 to 9104: with them,
//! a request through a demo environment's gateway gets a real answer instead of a 502.

use axum::extract::Request;
use axum::Json;

/// The ports the demo's routing addresses use.
pub const PORTS: [u16; 4] = [9101, 9102, 9103, 9104];

/// Starts a backend on each free demo port and answers which ports it took (a taken port is left alone:
/// something else already answers there).
pub async fn start() -> Vec<u16> {
    let mut started = Vec::new();
    for port in PORTS {
        let Ok(listener) = tokio::net::TcpListener::bind(("127.0.0.1", port)).await else {
            continue;
        };
        let app = axum::Router::new().fallback(move |request: Request| async move {
            Json(serde_json::json!({
                "backend": format!("demo-{port}"),
                "method": request.method().as_str(),
                "path": request.uri().path_and_query().map(|p| p.as_str()).unwrap_or("/"),
            }))
        });
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        started.push(port);
    }
    started
}
