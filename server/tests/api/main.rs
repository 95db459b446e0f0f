//! The server's behaviour per API, over HTTP against the real server
//! (in-process, ephemeral port, SQLite in a temporary directory), and
//! several server processes on one PostgreSQL database (`multinode`).

mod admin;
mod cli;
mod cli_help;
mod connections;
mod contention;
mod derived_openapi;
mod failover;
mod harness;
mod methods;
mod multinode;
mod node;
mod open_files;
mod postgres_outage;
mod robustness;
mod seed_requests;
mod stop;

// One test module per API (`<api>.rs`), declared from the server's
// registry, with the API's `PROFILE` for the tests that loop over APIs.
macro_rules! api_test_modules {
    ($($module:ident $variant:ident,)*) => {
        $(mod $module;)*

        /// What the tests that loop over APIs need to know about `api`.
        fn profile(api: server::registry::Api) -> &'static harness::ApiProfile {
            match api {
                $(server::registry::Api::$variant => &$module::PROFILE,)*
            }
        }
    };
}
server::for_each_api!(api_test_modules);
