//! The glue between a generated `Client` and this crate, the same in every
//! SDK: [`Authenticate`], which each SDK's credentials implement, and
//! [`sdk_client!`](crate::sdk_client), which writes the SDK's
//! `ClientHooks` (credentials on every request, then
//! [`crate::exchange::execute`]), its [`crate::Sdk`] impl and
//! `Client::builder`.

/// Puts credentials on a request.
pub trait Authenticate {
    /// Sets the headers that carry the credentials (and anything else the
    /// API needs on every request).
    fn authenticate(&self, request: &mut reqwest::Request);
}

/// Writes an SDK's client glue, in the SDK crate (where progenitor requires
/// the `ClientHooks` impl to be). `api` names the API in traces, `title` in
/// messages; `error_body` is its [`crate::ErrorBody`]. The operations come
/// from the generated file's `OPERATIONS`.
// `crate::` in the expansion is meant: it names the invoking SDK crate's
// `Client`, `auth`, `types` and `generated_sdk`, which this crate cannot
// name.
#[allow(clippy::crate_in_macro_def)]
#[macro_export]
macro_rules! sdk_client {
    (api: $api:literal, title: $title:literal, error_body: $body:ty) => {
        impl $crate::ApiInfo for $body {
            const API: &'static str = $title;
            const OPERATIONS: &'static [$crate::Operation] = crate::generated_sdk::OPERATIONS;
        }

        impl ::progenitor_client::ClientHooks<$crate::ClientContext<crate::auth::Credentials>>
            for crate::Client
        {
            async fn pre<E>(
                &self,
                request: &mut ::reqwest::Request,
                _info: &::progenitor_client::OperationInfo,
            ) -> ::std::result::Result<(), ::progenitor_client::Error<E>> {
                let context = ::progenitor_client::ClientInfo::inner(self);
                $crate::glue::Authenticate::authenticate(context.credentials(), request);
                Ok(())
            }

            async fn exec(
                &self,
                request: ::reqwest::Request,
                info: &::progenitor_client::OperationInfo,
            ) -> ::reqwest::Result<::reqwest::Response> {
                let client = ::progenitor_client::ClientInfo::client(self);
                let timeouts = ::progenitor_client::ClientInfo::inner(self).timeouts();
                $crate::exchange::execute::<$body>(
                    client,
                    timeouts,
                    $api,
                    info.operation_id,
                    request,
                )
                .await
            }
        }

        impl $crate::Sdk for crate::Client {
            type Credentials = crate::auth::Credentials;
            const USER_AGENT: &'static str =
                concat!(env!("CARGO_PKG_NAME"), "/", env!("CARGO_PKG_VERSION"));

            fn assemble(
                base_url: &str,
                client: ::reqwest::Client,
                context: $crate::ClientContext<crate::auth::Credentials>,
            ) -> Self {
                crate::Client::new_with_client(base_url, client, context)
            }
        }

        /// A nested request builder refused its values (`try_from`/`try_into`
        /// on a generated builder): `?` makes it the crate error's
        /// `InvalidRequest`, naming the field.
        impl ::std::convert::From<crate::types::error::ConversionError> for $crate::Error<$body> {
            fn from(error: crate::types::error::ConversionError) -> Self {
                $crate::Error::InvalidRequest(error.to_string())
            }
        }

        impl crate::Client {
            /// A builder for a client of `base_url` (e.g.
            /// `https://api.example.com`, checked by `build`) sending
            /// `credentials`, with the documented default timeouts and
            /// `User-Agent: <crate>/<version>`.
            pub fn builder(
                base_url: &str,
                credentials: crate::auth::Credentials,
            ) -> $crate::ClientBuilder<crate::Client> {
                $crate::ClientBuilder::new(base_url, credentials)
            }
        }
    };
}
