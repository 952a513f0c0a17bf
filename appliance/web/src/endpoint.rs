//! What an endpoint is: its method, path, who may reach it (`Access`, with the role
//! sets every module names) and its handler. Each module lists its own; `routes.rs`
//! gathers them into the one table.

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
