//! The one table of every endpoint the web port serves: method, path, who may reach it
//! and its handler. The server mounts exactly this table and the `authorize` middleware
//! looks each request up in it, so an endpoint cannot exist without an access rule
//! (`tests/route_access.rs` walks it).

use crate::auth::Role;
use actix_web::http::Method;
use actix_web::Route;

/// Who may reach an endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone, signed in or not: the login and first-start pages, static assets.
    Public,
    /// A signed-in user (or API token) of one of these roles.
    Roles(&'static [Role]),
}

impl Access {
    pub fn allows(self, role: Role) -> bool {
        match self {
            Access::Public => true,
            Access::Roles(roles) => roles.contains(&role),
        }
    }
}

/// Everyone signed in.
pub const SIGNED_IN: Access =
    Access::Roles(&[Role::Agent, Role::Supervisor, Role::Technician, Role::Admin]);
/// The floor: supervisors (and admins).
pub const FLOOR: Access = Access::Roles(&[Role::Supervisor, Role::Admin]);
/// The floor and agents (an agent's own requests are checked further by the handler).
pub const FLOOR_AND_AGENTS: Access = Access::Roles(&[Role::Agent, Role::Supervisor, Role::Admin]);
/// The box's configuration and lines: technicians (and admins).
pub const TECHNICIANS: Access = Access::Roles(&[Role::Technician, Role::Admin]);
/// What both the floor and the technicians read (status, live calls, events).
pub const STAFF: Access = Access::Roles(&[Role::Supervisor, Role::Technician, Role::Admin]);
/// Users, tokens and the audit log.
pub const ADMINS: Access = Access::Roles(&[Role::Admin]);

/// One endpoint.
#[derive(Clone)]
pub struct Endpoint {
    pub method: Method,
    pub path: &'static str,
    pub access: Access,
    /// Builds the actix route (method guard and handler).
    pub route: fn() -> Route,
}

impl Endpoint {
    pub fn new(method: Method, path: &'static str, access: Access, route: fn() -> Route) -> Self {
        Endpoint {
            method,
            path,
            access,
            route,
        }
    }
    pub fn get(path: &'static str, access: Access, route: fn() -> Route) -> Self {
        Self::new(Method::GET, path, access, route)
    }
    pub fn post(path: &'static str, access: Access, route: fn() -> Route) -> Self {
        Self::new(Method::POST, path, access, route)
    }
    pub fn put(path: &'static str, access: Access, route: fn() -> Route) -> Self {
        Self::new(Method::PUT, path, access, route)
    }
    pub fn delete(path: &'static str, access: Access, route: fn() -> Route) -> Self {
        Self::new(Method::DELETE, path, access, route)
    }
}

/// Every endpoint of the box, API and pages.
pub fn table() -> Vec<Endpoint> {
    let mut table = Vec::new();
    table.extend(crate::api::events_status::endpoints());
    table.extend(crate::api::acd::endpoints());
    table.extend(crate::api::calls::endpoints());
    table.extend(crate::api::config::endpoints());
    table.extend(crate::api::alerts::endpoints());
    table.extend(crate::api::recordings::endpoints());
    table.extend(crate::api::voicemail::endpoints());
    table.extend(crate::api::reports::endpoints());
    table.extend(crate::api::metrics::endpoints());
    table.extend(crate::api::openapi::endpoints());
    table.extend(crate::api::desk::endpoints());
    table.extend(crate::pages::endpoints());
    table.extend(crate::assets::endpoints());
    table
}

/// The endpoint a request reaches: its method and the route pattern it matched.
pub fn find<'a>(table: &'a [Endpoint], method: &Method, pattern: &str) -> Option<&'a Endpoint> {
    table
        .iter()
        .find(|endpoint| endpoint.path == pattern && endpoint.method == method)
}
