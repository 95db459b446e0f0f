//! Every API this server implements, listed once.
//!
//! When adding an API: `cargo xtask new-api <name>` writes its line below
//! (and everything else the API needs, in files of its own; see
//! `docs/adding-an-api.md`). The list is the only place that names every
//! API: the [`Api`] identity, the module declarations in `apis/mod.rs` and
//! the per-API test modules of `server/tests/api` are all expanded from it,
//! and everything else (addresses, credentials, the demo block, the CLI,
//! the bench, the fuzz command, the tests that loop over APIs) reads each
//! API's [`crate::apis::Descriptor`].

/// Calls `$then!` with every API as `module_name VariantName`, in the
/// order the server starts them and prints them.
#[macro_export]
macro_rules! for_each_api {
    ($then:ident) => {
        $then! {
            ctechnology Ctechnology,
            cl2c Cl2c,
            exante Exante,
            ctrlhub Ctrlhub,
            zitadel Zitadel,
        }
    };
}

macro_rules! define_api {
    ($($module:ident $variant:ident,)*) => {
        /// One of the APIs the server implements: its identity, as stored
        /// (the `api` column), named on the command line and in
        /// `spec/<name>.yaml`. What the API *is* lives in its descriptor
        /// ([`Api::descriptor`]).
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Api {
            $($variant,)*
        }

        impl Api {
            /// Every API, in the registry's order.
            pub const ALL: &'static [Api] = &[$(Api::$variant,)*];

            /// The short name used in the database, on the command line and
            /// in `spec/<name>.yaml`.
            pub fn name(self) -> &'static str {
                match self {
                    $(Api::$variant => stringify!($module),)*
                }
            }

            /// What the API is: address, credentials, operation, errors.
            pub fn descriptor(self) -> &'static $crate::apis::Descriptor {
                match self {
                    $(Api::$variant => &$crate::apis::$module::DESCRIPTOR,)*
                }
            }
        }
    };
}

for_each_api!(define_api);

impl Api {
    /// The API called `name`, if the server implements one.
    pub fn from_name(name: &str) -> Option<Api> {
        Api::ALL.iter().copied().find(|api| api.name() == name)
    }

    /// Every API's name, for messages that list what is known.
    pub fn names() -> Vec<&'static str> {
        Api::ALL.iter().map(|api| api.name()).collect()
    }
}

impl std::fmt::Display for Api {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl serde::Serialize for Api {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.name())
    }
}

impl std::str::FromStr for Api {
    type Err = String;

    fn from_str(name: &str) -> Result<Api, String> {
        Api::from_name(name)
            .ok_or_else(|| format!("unknown API {name} (one of {})", Api::names().join(", ")))
    }
}
