//! Updates the profile on a running server (by default the local one that
//! `cargo run -p server` starts), with the access token it prints:
//!
//! ```sh
//! ZITADEL_ACCESS_TOKEN=<the token in the zitadel curl line> \
//!     cargo run -p zitadel-sdk --example update_zitadel_profile
//! ```
//!
//! `ZITADEL_BASE_URL` points it elsewhere (default `http://127.0.0.1:8105`).

use std::process::ExitCode;

use zitadel_sdk::{Client, Code, Credentials, Error, types};

async fn update(client: &Client) -> Result<types::UpdateMyProfileResponse, Error> {
    let profile = types::UpdateMyProfileRequest::with_required("Minnie Mouse", "Minnie", "Mouse")
        .nick_name(zitadel_sdk::some("Minnie"))
        .preferred_language(zitadel_sdk::some("en"));
    let response = client
        .auth_service_update_my_profile()
        .body(profile)
        .send()
        .await?;
    Ok(response.into_inner())
}

async fn run() -> Result<(), Box<dyn std::error::Error>> {
    let base_url =
        std::env::var("ZITADEL_BASE_URL").unwrap_or_else(|_| "http://127.0.0.1:8105".to_string());
    let client = Client::builder(&base_url, Credentials::from_env()?).build()?;
    match update(&client).await {
        Ok(response) => {
            let sequence = response.details.and_then(|details| details.sequence);
            println!("updated; the profile is now at sequence {sequence:?}");
        }
        Err(Error::Api { body, .. }) if body.code() == Some(Code::FailedPrecondition) => {
            println!("nothing to change: the profile already says this");
        }
        Err(error) => return Err(error.into()),
    }
    Ok(())
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}
