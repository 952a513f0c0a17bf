//! The web port's security, through real HTTP on a whole box: every endpoint of the route
//! table refuses a request without a session, an agent cannot reach technician or
//! supervisor endpoints, a change without the CSRF token is refused, names are shown
//! escaped, the sixth wrong password within a minute is throttled, and changes are
//! audited.

mod common;

use appliance::web::auth::Role;
use appliance::web::endpoint::Access;
use appliance::web::routes;
use std::io::{Read, Write};
use std::net::SocketAddr;

struct Reply {
    status: u16,
    head: String,
    body: String,
}

impl Reply {
    fn header(&self, name: &str) -> Option<String> {
        self.head.lines().find_map(|line| {
            let (key, value) = line.split_once(':')?;
            key.eq_ignore_ascii_case(name)
                .then(|| value.trim().to_owned())
        })
    }
}

/// One request with the given extra headers and body; no credential unless given.
fn request(
    web: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> Reply {
    let mut stream = std::net::TcpStream::connect(web).expect("web port");
    let mut text = format!("{method} {path} HTTP/1.1\r\nHost: {web}\r\nConnection: close\r\n");
    for (name, value) in headers {
        text.push_str(&format!("{name}: {value}\r\n"));
    }
    text.push_str(&format!("Content-Length: {}\r\n\r\n{body}", body.len()));
    stream.write_all(text.as_bytes()).expect("sent");
    let mut response = Vec::new();
    stream.read_to_end(&mut response).expect("read");
    let response = String::from_utf8_lossy(&response).into_owned();
    let (head, body) = response.split_once("\r\n\r\n").unwrap_or((&response, ""));
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or(0);
    Reply {
        status,
        head: head.to_owned(),
        body: body.to_owned(),
    }
}

const FORM: (&str, &str) = ("Content-Type", "application/x-www-form-urlencoded");

fn form(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| {
            format!(
                "{k}={}",
                appliance::web::pages::url_encode(v).replace('/', "%2F")
            )
        })
        .collect::<Vec<_>>()
        .join("&")
}

/// The session cookie a sign-in (or the first start) set.
fn session_cookie(reply: &Reply) -> String {
    let set = reply
        .header("set-cookie")
        .unwrap_or_else(|| panic!("no cookie set: {} {}", reply.head, reply.body));
    set.split(';').next().expect("cookie").to_owned()
}

/// The CSRF token a signed-in page carries.
fn csrf_of(web: SocketAddr, cookie: &str, page: &str) -> String {
    let reply = request(web, "GET", page, &[("Cookie", cookie)], "");
    assert_eq!(reply.status, 200, "{page}: {}", reply.head);
    let at = reply
        .body
        .find("name=\"csrf-token\" content=\"")
        .expect("csrf meta")
        + 27;
    reply.body[at..at + 64].to_owned()
}

/// A concrete path for a route pattern (`{agent}` → `x1`).
fn concrete(pattern: &str) -> String {
    let mut path = String::new();
    let mut in_param = false;
    for c in pattern.chars() {
        match c {
            '{' => {
                in_param = true;
                path.push_str("x1");
            }
            '}' => in_param = false,
            _ if in_param => {}
            _ => path.push(c),
        }
    }
    path
}

fn login(web: SocketAddr, name: &str, password: &str) -> Reply {
    request(
        web,
        "POST",
        "/login",
        &[FORM],
        &form(&[("name", name), ("password", password)]),
    )
}

#[test]
fn every_endpoint_is_guarded_and_changes_need_the_csrf_token() {
    let work = tempfile::tempdir().expect("temp dir");
    let running = common::start(work.path(), "basic");
    let web = running.web_address();
    let table = routes::table();
    assert!(
        table.len() > 40,
        "the table lists every endpoint ({})",
        table.len()
    );

    // The public endpoints are exactly these: a new public one is a deliberate change.
    let mut public: Vec<String> = table
        .iter()
        .filter(|e| e.access == Access::Public)
        .map(|e| format!("{} {}", e.method, e.path))
        .collect();
    public.sort();
    assert_eq!(
        public,
        [
            "GET /assets/{name}",
            "GET /login",
            "GET /setup",
            "POST /login",
            "POST /setup"
        ]
    );

    // First start: no account, every guarded page goes to the admin's creation, every API
    // endpoint answers 401, whatever the method.
    for endpoint in table.iter().filter(|e| e.access != Access::Public) {
        let path = concrete(endpoint.path);
        let reply = request(web, endpoint.method.as_str(), &path, &[FORM], "");
        if path.starts_with("/api/") || path == "/metrics" {
            assert_eq!(
                reply.status, 401,
                "{} {path}: {}",
                endpoint.method, reply.head
            );
            assert!(reply.body.contains("/setup"), "{path}: {}", reply.body);
        } else {
            assert_eq!(
                reply.status, 303,
                "{} {path}: {}",
                endpoint.method, reply.head
            );
            assert_eq!(
                reply.header("location").as_deref(),
                Some("/setup"),
                "{path}"
            );
        }
    }
    // A wrong token is no credential.
    let reply = request(
        web,
        "GET",
        "/api/status",
        &[(
            "Authorization",
            "Bearer wrong-token-wrong-token-wrong-token",
        )],
        "",
    );
    assert_eq!(reply.status, 401);

    // The first start creates the admin (and signs them in): no default password.
    assert_eq!(
        login(web, "admin", "admin").status,
        303,
        "sign-in goes to /setup first"
    );
    let setup = request(
        web,
        "POST",
        "/setup",
        &[FORM],
        &form(&[
            ("name", "root"),
            ("display_name", "Root"),
            ("password", "correct horse battery"),
            ("password_again", "correct horse battery"),
            ("language", "en"),
        ]),
    );
    assert_eq!(setup.status, 303, "{}: {}", setup.head, setup.body);
    let cookie_header = setup.header("set-cookie").expect("cookie");
    assert!(cookie_header.contains("HttpOnly"), "{cookie_header}");
    assert!(cookie_header.contains("SameSite=Strict"), "{cookie_header}");
    let admin = session_cookie(&setup);
    let again = request(
        web,
        "POST",
        "/setup",
        &[FORM],
        &form(&[
            ("name", "mallory"),
            ("display_name", "M"),
            ("password", "another password"),
            ("password_again", "another password"),
            ("language", "en"),
        ]),
    );
    assert_eq!(again.status, 409, "a second first start is refused");

    // Signed out, every guarded page now goes to the login, and the API is 401.
    for endpoint in table.iter().filter(|e| e.access != Access::Public) {
        let path = concrete(endpoint.path);
        let reply = request(web, endpoint.method.as_str(), &path, &[FORM], "");
        if path.starts_with("/api/") || path == "/metrics" {
            assert_eq!(reply.status, 401, "{} {path}", endpoint.method);
        } else {
            assert_eq!(reply.status, 303, "{} {path}", endpoint.method);
            let location = reply.header("location").unwrap_or_default();
            assert!(location.starts_with("/login?next="), "{path}: {location}");
        }
    }

    // A change without the CSRF token is refused and changes nothing; with it, it is
    // made, and a display name with markup is shown escaped.
    let csrf = csrf_of(web, &admin, "/admin/users");
    let new_agent = form(&[
        ("name", "agent201"),
        ("display_name", "<script>alert(1)</script>"),
        ("role", "agent"),
        ("language", "en"),
        ("agent", "201"),
        ("password", "agent password"),
    ]);
    let refused = request(
        web,
        "POST",
        "/admin/users",
        &[FORM, ("Cookie", &admin)],
        &new_agent,
    );
    assert_eq!(refused.status, 403, "{}", refused.body);
    assert!(refused.body.contains("CSRF"), "{}", refused.body);
    let wrong = request(
        web,
        "POST",
        "/admin/users",
        &[FORM, ("Cookie", &admin), ("X-CSRF-Token", &"0".repeat(64))],
        &new_agent,
    );
    assert_eq!(wrong.status, 403);
    let page = request(web, "GET", "/admin/users", &[("Cookie", &admin)], "");
    assert!(!page.body.contains("agent201"), "nothing was added");
    let foreign = request(
        web,
        "POST",
        "/admin/users",
        &[
            FORM,
            ("Cookie", &admin),
            ("X-CSRF-Token", &csrf),
            ("Origin", "https://evil.example"),
        ],
        &new_agent,
    );
    assert_eq!(foreign.status, 403, "another site's page cannot post");
    let added = request(
        web,
        "POST",
        "/admin/users",
        &[FORM, ("Cookie", &admin), ("X-CSRF-Token", &csrf)],
        &new_agent,
    );
    assert_eq!(added.status, 200, "{}", added.body);
    assert!(added.body.contains("agent201"), "{}", added.body);
    assert!(
        added.body.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
        "escaped: {}",
        added.body
    );
    assert!(!added.body.contains("<script>alert(1)"), "never raw");
    // An API token needs no CSRF token (no cookie rides along).
    let notice = common::send(
        web,
        "POST",
        "/api/notices",
        r#"{"text": "by token", "expires_in_s": 300, "by": "root"}"#,
    );
    assert!(notice.0.contains(" 2"), "{notice:?}");

    // The audit log has the change: who, what, the state after.
    let audit = request(web, "GET", "/admin/audit", &[("Cookie", &admin)], "");
    assert!(audit.body.contains("POST /admin/users"), "{}", audit.body);
    assert!(audit.body.contains("root"), "{}", audit.body);
    assert!(
        audit.body.contains("agent201"),
        "the user after: {}",
        audit.body
    );

    // The agent signs in; every endpoint their role is not admitted to is 403.
    let agent_login = login(web, "agent201", "agent password");
    assert_eq!(agent_login.status, 303, "{}", agent_login.body);
    assert_eq!(agent_login.header("location").as_deref(), Some("/desk"));
    let agent = session_cookie(&agent_login);
    let mut forbidden = 0;
    for endpoint in table.iter() {
        let Access::Roles(roles) = endpoint.access else {
            continue;
        };
        if roles.contains(&Role::Agent) {
            continue;
        }
        let path = concrete(endpoint.path);
        let reply = request(
            web,
            endpoint.method.as_str(),
            &path,
            &[FORM, ("Cookie", &agent)],
            "",
        );
        assert_eq!(
            reply.status, 403,
            "an agent at {} {path}: {}",
            endpoint.method, reply.head
        );
        forbidden += 1;
    }
    assert!(forbidden > 20, "{forbidden} endpoints are closed to agents");
    for technician_page in [
        "/dashboard",
        "/wallboard",
        "/api/status",
        "/api/spans/1/capture",
    ] {
        let method = if technician_page.ends_with("capture") {
            "POST"
        } else {
            "GET"
        };
        let reply = request(web, method, technician_page, &[("Cookie", &agent)], "");
        assert_eq!(reply.status, 403, "{technician_page}");
    }

    // Signing out ends the session.
    let agent_csrf = csrf_of(web, &agent, "/account");
    let out = request(
        web,
        "POST",
        "/logout",
        &[("Cookie", &agent), ("X-CSRF-Token", &agent_csrf)],
        "",
    );
    assert!(out.status == 303 || out.status == 200, "{}", out.head);
    let after = request(web, "GET", "/account", &[("Cookie", &agent)], "");
    assert_eq!(after.status, 303, "the old cookie signs no one in");

    // Five wrong passwords are refused as wrong; the sixth within the minute is
    // throttled, even with the right password.
    for attempt in 1..=5 {
        let reply = login(web, "root", "not the password");
        assert_eq!(reply.status, 401, "attempt {attempt}");
    }
    let sixth = login(web, "root", "correct horse battery");
    assert_eq!(sixth.status, 429, "{}", sixth.head);
    assert!(sixth.header("retry-after").is_some());
}
