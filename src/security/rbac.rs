//! The access table: one row per route, naming the roles it admits, where its merchant
//! comes from, its audit action and whether every call is audited. The API's guard
//! enforces it; a route that is not in the table is refused (deny by default). The README's
//! access matrix is this table, and a test walks every route × role × merchant.

use super::Role;

/// Who may call a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone, without a key (health, the editor's static page).
    Public,
    /// A key of one of these roles.
    Roles(&'static [Role]),
}

/// Where a route's merchant id comes from; the key must be allowed that merchant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// The route touches no merchant's knowledge.
    None,
    /// The `{id}` path segment.
    Path,
    /// The JSON body's `merchant_id` field.
    Body,
    /// The `merchant` query parameter (optional: a key with one merchant defaults to it).
    Query,
}

/// One row of the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Route {
    /// HTTP method.
    pub method: &'static str,
    /// axum route pattern.
    pub path: &'static str,
    /// Who may call it.
    pub access: Access,
    /// Where its merchant comes from.
    pub scope: Scope,
    /// The action name in audit records.
    pub action: &'static str,
    /// Whether every call is audited (writes, SPARQL, admin routes). Calls by admin keys
    /// and denied calls are audited on every route.
    pub audited: bool,
}

const ASK: &[Role] = &[Role::Chatbot, Role::Merchant, Role::Admin];
const OWNER: &[Role] = &[Role::Merchant, Role::Admin];
const EDITOR: &[Role] = &[Role::Editor, Role::Admin];
const ANY_KEY: &[Role] = &[Role::Chatbot, Role::Merchant, Role::Editor, Role::Admin];
const ADMIN: &[Role] = &[Role::Admin];

const fn row(
    method: &'static str,
    path: &'static str,
    access: Access,
    scope: Scope,
    action: &'static str,
    audited: bool,
) -> Route {
    Route {
        method,
        path,
        access,
        scope,
        action,
        audited,
    }
}

/// Every route of the API.
pub const ROUTES: &[Route] = &[
    row("GET", "/healthz", Access::Public, Scope::None, "health", false),
    row("GET", "/editor", Access::Public, Scope::None, "editor.page", false),
    row("POST", "/v1/answer", Access::Roles(ASK), Scope::Body, "answer", false),
    row("POST", "/v1/search", Access::Roles(ASK), Scope::Body, "search", false),
    row(
        "POST",
        "/v1/validate",
        Access::Roles(ASK),
        Scope::Body,
        "validate",
        false,
    ),
    row("GET", "/sparql", Access::Roles(ANY_KEY), Scope::Query, "sparql", true),
    row("POST", "/sparql", Access::Roles(ANY_KEY), Scope::Query, "sparql", true),
    row(
        "POST",
        "/v1/merchants/{id}/imports",
        Access::Roles(OWNER),
        Scope::Path,
        "import",
        true,
    ),
    row(
        "GET",
        "/v1/merchants/{id}/imports/{job}",
        Access::Roles(OWNER),
        Scope::Path,
        "import.job",
        false,
    ),
    row(
        "GET",
        "/v1/merchants/{id}/export",
        Access::Roles(OWNER),
        Scope::Path,
        "export",
        true,
    ),
    row(
        "DELETE",
        "/v1/merchants/{id}/subjects",
        Access::Roles(OWNER),
        Scope::Path,
        "subject.delete",
        true,
    ),
    row(
        "GET",
        "/v1/ontology/draft",
        Access::Roles(EDITOR),
        Scope::None,
        "ontology.draft.get",
        false,
    ),
    row(
        "PUT",
        "/v1/ontology/draft",
        Access::Roles(EDITOR),
        Scope::None,
        "ontology.draft.put",
        true,
    ),
    row(
        "POST",
        "/v1/ontology/validate",
        Access::Roles(EDITOR),
        Scope::None,
        "ontology.validate",
        false,
    ),
    row(
        "POST",
        "/v1/ontology/publish",
        Access::Roles(EDITOR),
        Scope::None,
        "ontology.publish",
        true,
    ),
    row(
        "GET",
        "/v1/ontology/versions",
        Access::Roles(EDITOR),
        Scope::None,
        "ontology.versions",
        false,
    ),
    row(
        "GET",
        "/v1/ontology/diff",
        Access::Roles(EDITOR),
        Scope::None,
        "ontology.diff",
        false,
    ),
    row(
        "GET",
        "/v1/ontology/terms",
        Access::Roles(EDITOR),
        Scope::None,
        "ontology.terms",
        false,
    ),
    row(
        "GET",
        "/v1/audit",
        Access::Roles(ADMIN),
        Scope::None,
        "audit.query",
        true,
    ),
];

/// What the table says about one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lookup {
    /// The row for this method and route.
    Route(&'static Route),
    /// The route exists, but not with this method (405).
    WrongMethod,
    /// The route is not in the table: refused (deny by default).
    Unlisted,
}

/// Looks up `method` on the axum route pattern `path`.
pub fn lookup(method: &str, path: &str) -> Lookup {
    let mut seen = false;
    for r in ROUTES {
        if r.path == path {
            if r.method == method || (method == "HEAD" && r.method == "GET") {
                return Lookup::Route(r);
            }
            seen = true;
        }
    }
    if seen { Lookup::WrongMethod } else { Lookup::Unlisted }
}

impl Route {
    /// Whether `role` may call this route.
    pub fn admits(&self, role: Role) -> bool {
        match self.access {
            Access::Public => true,
            Access::Roles(roles) => roles.contains(&role),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_row_is_unique_and_lookup_finds_it() {
        for (i, r) in ROUTES.iter().enumerate() {
            assert!(
                ROUTES[..i].iter().all(|o| (o.method, o.path) != (r.method, r.path)),
                "{} {} twice",
                r.method,
                r.path
            );
            assert_eq!(lookup(r.method, r.path), Lookup::Route(r));
            // merchant-scoped routes are never public
            assert!(r.scope == Scope::None || r.access != Access::Public, "{}", r.path);
        }
        assert_eq!(lookup("DELETE", "/v1/answer"), Lookup::WrongMethod);
        assert_eq!(lookup("GET", "/v1/secret"), Lookup::Unlisted);
    }
}
