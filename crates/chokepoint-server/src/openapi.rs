//! The OpenAPI 3.0 document of `/api/v1`, written by hand (no code generator in the build): the
//! console's own endpoints and the module endpoints mounted beside them. Served publicly at
//! `/api/v1/openapi.json` (it describes the API, it holds no data); checked against the live
//! server by schemathesis in `scripts/tests.d/server.sh`.

use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};

fn error_responses() -> Value {
    // Client errors carry `{"error": "..."}` from the console's own handlers; the mounted
    // modules' framework rejections may be plain text, so no body schema is promised here.
    json!({
        "400": {"description": "Bad request: the message names the field"},
        "401": {"description": "No valid credential"},
        "403": {"description": "Not allowed (e.g. a path outside the data directory)"},
        "404": {"description": "No such thing"},
        "405": {"description": "Method not allowed"},
        "413": {"description": "Request body too large"},
        "415": {"description": "Unsupported media type"},
        "422": {"description": "Well-formed but invalid input"}
    })
}

fn ok(schema: Value) -> Value {
    let mut r = error_responses();
    r["200"] = json!({"description": "OK", "content": {"application/json": {"schema": schema}}});
    r
}

fn with(mut r: Value, code: &str, desc: &str, content: Option<(&str, Value)>) -> Value {
    r[code] = match content {
        Some((ct, schema)) => json!({"description": desc, "content": {ct: {"schema": schema}}}),
        None => json!({"description": desc}),
    };
    r
}

fn id_param() -> Value {
    json!({"name": "id", "in": "path", "required": true, "schema": {"type": "integer", "format": "int64"}})
}

fn cid_param() -> Value {
    json!({"name": "cid", "in": "path", "required": true, "schema": {"type": "string", "minLength": 1, "maxLength": 128}})
}

fn paging() -> Vec<Value> {
    vec![
        json!({"name": "limit", "in": "query", "required": false, "schema": {"type": "integer", "minimum": 1, "maximum": 1000}}),
        json!({"name": "offset", "in": "query", "required": false, "schema": {"type": "integer", "minimum": 0}}),
    ]
}

fn json_body(schema: Value) -> Value {
    json!({"required": true, "content": {"application/json": {"schema": schema}}})
}

/// The document.
pub fn spec() -> Value {
    let any_obj = json!({"type": "object"});
    json!({
        "openapi": "3.0.3",
        "info": {
            "title": "chokepoint console API",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Distillation scans and campaigns, STIX exports, and the module endpoints (export controls, chip location, screening, 2028 scenarios). Authenticate with `Authorization: Bearer cps1_...` (`chokepoint serve token add`). TAXII 2.1 is served under /taxii2/ with its own per-organisation keys and is not described here."
        },
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearer": []}],
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "responses": {
                "Error": {"description": "An error naming the field or the reason", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
            },
            "schemas": {
                "Error": {"type": "object", "required": ["error"], "properties": {"error": {"type": "string"}}},
                "Progress": {"type": "object", "nullable": true, "required": ["phase", "unit", "done", "phases_done"], "properties": {
                    "phase": {"type": "string"}, "unit": {"type": "string"}, "done": {"type": "integer"},
                    "total": {"type": "integer", "nullable": true}, "phases_done": {"type": "integer"}}},
                "Scan": {"type": "object", "required": ["id", "input", "status", "started", "started_by"], "properties": {
                    "id": {"type": "integer"}, "input": {"type": "string"},
                    "status": {"type": "string", "enum": ["queued", "running", "done", "failed", "interrupted"]},
                    "started": {"type": "string"}, "finished": {"type": "string", "nullable": true},
                    "error": {"type": "string", "nullable": true}, "started_by": {"type": "string"},
                    "stats": {"type": "object", "nullable": true},
                    "progress": {"$ref": "#/components/schemas/Progress"}}},
                "CampaignRow": {"type": "object", "required": ["scan_id", "campaign_id", "rank", "score", "accounts", "records", "first_seen", "last_seen"], "properties": {
                    "scan_id": {"type": "integer"}, "campaign_id": {"type": "string"}, "rank": {"type": "integer"},
                    "score": {"type": "number"}, "accounts": {"type": "integer"}, "records": {"type": "integer"},
                    "first_seen": {"type": "string"}, "last_seen": {"type": "string"}}},
                "Export": {"type": "object", "required": ["id", "scan_id", "campaign_id", "created", "created_by", "objects"], "properties": {
                    "id": {"type": "integer"}, "scan_id": {"type": "integer"}, "campaign_id": {"type": "string"},
                    "created": {"type": "string"}, "created_by": {"type": "string"}, "objects": {"type": "integer"}}},
                "StixBundle": {"type": "object", "required": ["type", "id", "objects"], "properties": {
                    "type": {"type": "string", "enum": ["bundle"]}, "id": {"type": "string"}, "objects": {"type": "array", "items": {"type": "object"}}}}
            }
        },
        "paths": {
            "/whoami": {"get": {"summary": "The signed-in user", "operationId": "whoami", "responses": ok(json!({"type": "object", "required": ["name", "role"], "properties": {"name": {"type": "string"}, "role": {"type": "string", "enum": ["analyst", "admin"]}}}))}},
            "/users": {"get": {"summary": "The console's users (admins only; analysts get 403)", "operationId": "listUsers", "responses": ok(json!({"type": "array", "items": {"type": "object", "required": ["id", "name", "role"], "properties": {"id": {"type": "integer"}, "name": {"type": "string"}, "role": {"type": "string", "enum": ["analyst", "admin"]}}}}))}},
            "/scans": {
                "get": {"summary": "Scans, newest first", "operationId": "listScans", "parameters": [paging()[0].clone()], "responses": ok(json!({"type": "array", "items": {"$ref": "#/components/schemas/Scan"}}))},
                "post": {"summary": "Start a distillation scan of a file in the server's data directory", "operationId": "createScan",
                    "requestBody": json_body(json!({"type": "object", "required": ["path"], "additionalProperties": false, "properties": {"path": {"type": "string"}}})),
                    "responses": with(error_responses(), "202", "Queued", Some(("application/json", json!({"type": "object", "required": ["id", "url"], "properties": {"id": {"type": "integer"}, "url": {"type": "string"}}}))))}
            },
            "/scans/{id}": {"get": {"summary": "A scan and its live progress", "operationId": "getScan", "parameters": [id_param()], "responses": ok(json!({"$ref": "#/components/schemas/Scan"}))}},
            "/scans/{id}/report": {"get": {"summary": "The scan's report (chokepoint.distill.report/v1)", "operationId": "getReport", "parameters": [id_param()], "responses": ok(json!({"type": "object", "required": ["schema", "stats", "accounts", "campaigns"]}))}},
            "/scans/{id}/campaigns": {"get": {"summary": "The scan's campaigns ranked by score", "operationId": "listCampaigns", "parameters": [id_param(), paging()[0].clone(), paging()[1].clone()], "responses": ok(json!({"type": "array", "items": {"$ref": "#/components/schemas/CampaignRow"}}))}},
            "/scans/{id}/campaigns/{cid}": {"get": {"summary": "A campaign with its accounts", "operationId": "getCampaign", "parameters": [id_param(), cid_param()], "responses": ok(json!({"allOf": [{"$ref": "#/components/schemas/CampaignRow"}, {"type": "object", "required": ["campaign", "account_details"], "properties": {"campaign": {"type": "object"}, "account_details": {"type": "array", "items": {"type": "object"}}}}]}))}},
            "/scans/{id}/campaigns/{cid}/stix": {"post": {"summary": "Export the campaign as a STIX 2.1 bundle (keyed hashes under the server's community key)", "operationId": "exportStix", "parameters": [id_param(), cid_param()],
                "responses": with(error_responses(), "201", "The bundle", Some(("application/stix+json;version=2.1", json!({"$ref": "#/components/schemas/StixBundle"}))))}},
            "/exports": {"get": {"summary": "STIX exports made from the console", "operationId": "listExports", "responses": ok(json!({"type": "array", "items": {"$ref": "#/components/schemas/Export"}}))}},
            "/exports/{id}": {"get": {"summary": "One exported bundle", "operationId": "getExport", "parameters": [id_param()],
                "responses": with(error_responses(), "200", "The bundle", Some(("application/stix+json;version=2.1", json!({"$ref": "#/components/schemas/StixBundle"}))))}},
            "/controls/parts": {"get": {"summary": "Accelerators and systems the classifier knows", "operationId": "controlsParts", "responses": ok(json!({"type": "object", "required": ["version", "parts", "rules_version"], "properties": {"version": {"type": "string"}, "parts": {"type": "array", "items": {"type": "string"}}, "rules_version": {"type": "string"}}}))}},
            "/controls/classify": {"post": {"summary": "Classify a part (3A090/4A090) by name or figures", "operationId": "controlsClassify",
                "requestBody": json_body(json!({"type": "object", "additionalProperties": false, "properties": {"part": {"type": "string"}, "figures": {"type": "object"}}})),
                "responses": ok(any_obj.clone())}},
            "/controls/license": {"post": {"summary": "Does this export need a licence?", "operationId": "controlsLicense",
                "requestBody": json_body(json!({"type": "object", "required": ["destination"], "additionalProperties": false, "properties": {
                    "eccn": {"type": "string"}, "part": {"type": "string"}, "destination": {"type": "string"},
                    "end_user_hq": {"type": "string"}, "end_use": {"type": "string"}, "date": {"type": "string", "format": "date"}}})),
                "responses": ok(any_obj.clone())}},
            "/geoloc/fleet": {"get": {"summary": "Every registered chip with its last verdict", "operationId": "geolocFleet", "responses": ok(json!({"type": "object", "required": ["chips", "landmarks", "measurements", "alerts"]}))}},
            "/geoloc/alerts": {"get": {"summary": "The latest chip alerts", "operationId": "geolocAlerts", "responses": ok(json!({"type": "array", "items": {"type": "object"}}))}},
            "/geoloc/chips/{chip_id}/region": {"get": {"summary": "A chip's latest feasible region (GeoJSON)", "operationId": "geolocRegion",
                "parameters": [{"name": "chip_id", "in": "path", "required": true, "schema": {"type": "string", "minLength": 1, "maxLength": 64}}],
                "responses": with(error_responses(), "200", "GeoJSON Feature", Some(("application/geo+json", json!({"type": "object"}))))}},
            "/scenario/presets": {"get": {"summary": "Scenario presets and lever ranges", "operationId": "scenarioPresets", "responses": ok(json!({"type": "object", "required": ["presets", "levers"]}))}},
            "/scenario/parameters": {"get": {"summary": "Model parameters with defaults, ranges and sources", "operationId": "scenarioParameters", "responses": ok(json!({"type": "array", "items": {"type": "object"}}))}},
            "/scenario/run": {"post": {"summary": "Run a scenario with lever overrides", "operationId": "scenarioRun",
                "requestBody": json_body(json!({"type": "object", "additionalProperties": false, "properties": {
                    "preset": {"type": "string", "enum": ["defend", "inaction"]},
                    "levers": {"type": "object", "additionalProperties": {"type": "number"}},
                    "parameters": {"type": "object", "additionalProperties": {"type": "number"}},
                    "monte_carlo": {"type": "object", "required": ["runs"], "additionalProperties": false, "properties": {"runs": {"type": "integer", "minimum": 1, "maximum": 20000}, "seed": {"type": "integer", "minimum": 0}}},
                    "sensitivity": {"type": "boolean"}}})),
                "responses": ok(json!({"type": "object", "required": ["result"]}))}},
            "/screen/name": {"post": {"summary": "Screen one name against the denied-party lists", "operationId": "screenName",
                "requestBody": json_body(json!({"type": "object", "required": ["name"], "properties": {"name": {"type": "string", "minLength": 1, "maxLength": 1000}, "country": {"type": "string", "nullable": true}}})),
                "responses": ok(json!({"type": "object", "required": ["query", "decision", "score", "matches"]}))}}
        }
    })
}

/// `GET /api/v1/openapi.json`.
pub async fn document() -> Response {
    axum::Json(spec()).into_response()
}
