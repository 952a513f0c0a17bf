//! The OpenAPI document lists every API endpoint of the route table, with its path
//! parameters and the roles it admits, and no page.

use box_web::api::openapi::{document, parameters};
use box_web::routes;

#[test]
fn every_api_endpoint_of_the_table_is_in_the_document_with_its_parameters() {
    let table: Vec<_> = routes::table()
        .iter()
        .map(|e| (e.method.clone(), e.path, e.access))
        .collect();
    let doc = document(&table);
    assert_eq!(doc["openapi"], "3.0.3");
    let mut listed = 0;
    for (method, path, _) in table
        .iter()
        .filter(|(_, path, _)| path.starts_with("/api/"))
    {
        let operation = &doc["paths"][*path][method.as_str().to_lowercase()];
        assert!(operation.is_object(), "{method} {path} missing");
        let declared: Vec<&str> = operation["parameters"]
            .as_array()
            .map(|p| p.iter().filter_map(|p| p["name"].as_str()).collect())
            .unwrap_or_default();
        assert_eq!(declared, parameters(path), "{path}");
        listed += 1;
    }
    assert!(listed > 30, "{listed}");
    let pages = doc["paths"].as_object().map(|p| {
        p.keys()
            .filter(|k| !k.starts_with("/api/") && *k != "/metrics")
            .count()
    });
    assert_eq!(pages, Some(0), "pages are not API");
    assert_eq!(
        doc["paths"]["/api/agents/{agent}/state"]["post"]["x-roles"],
        serde_json::json!(["agent", "supervisor", "admin"])
    );
}
