//! The success shapes: lists as `{"success":true,"resultList":[...],"resultCount":N}`, one object as
//! `{"success":true,"result":{...}}`.

use axum::Json;
use serde::Serialize;
use serde_json::{json, Value};

pub fn list<T: Serialize>(items: Vec<T>) -> Json<Value> {
    let count = items.len();
    Json(json!({ "success": true, "resultList": items, "resultCount": count }))
}

pub fn one<T: Serialize>(item: T) -> Json<Value> {
    Json(json!({ "success": true, "result": item }))
}

pub fn done() -> Json<Value> {
    Json(json!({ "success": true }))
}
