//! The success shapes, as types so the OpenAPI document describes exactly what is sent: lists as
//! `{"success":true,"resultList":[...],"resultCount":N}`, one object as `{"success":true,"result":{...}}`.

use axum::Json;
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ListReply<T: ToSchema> {
    pub success: bool,
    pub result_list: Vec<T>,
    pub result_count: usize,
}

#[derive(Serialize, ToSchema)]
pub struct OneReply<T: ToSchema> {
    pub success: bool,
    pub result: T,
}

#[derive(Serialize, ToSchema)]
pub struct Done {
    pub success: bool,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DeployReply {
    pub success: bool,
    pub deployment_result: deploy::deployments::DeploymentResult,
}

pub fn list<T: Serialize + ToSchema>(items: Vec<T>) -> Json<ListReply<T>> {
    Json(ListReply {
        success: true,
        result_count: items.len(),
        result_list: items,
    })
}

pub fn one<T: Serialize + ToSchema>(item: T) -> Json<OneReply<T>> {
    Json(OneReply {
        success: true,
        result: item,
    })
}

pub fn done() -> Json<Done> {
    Json(Done { success: true })
}
