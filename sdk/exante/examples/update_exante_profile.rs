//! Updates the profile on a running server (by default the local one that
//! `cargo run -p server` starts), with the token it prints:
//!
//! ```sh
//! EXANTE_AUTH_TOKEN=<the token after "Bearer" in the exante curl line> \
//!     cargo run -p exante-sdk --example update_exante_profile
//! ```
//!
//! `EXANTE_BASE_URL` points it elsewhere (default `http://127.0.0.1:8103`).

use std::process::ExitCode;

use exante_sdk::{Client, Credentials, Error, types};

async fn update(client: &Client) -> Result<types::UserProfileResponse, Error> {
    let update = types::UserProfileUpdate::builder()
        .firstname(exante_sdk::some("Jane"))
        .lastname(exante_sdk::some("Doe"))
        .timezone("America/New_York".to_string());
    Ok(client
        .update_current_user()
        .body(update)
        .send()
        .await?
        .into_inner())
}

async fn run() -> Result<(), Box<dyn std::error::Error>> {
    let base_url =
        std::env::var("EXANTE_BASE_URL").unwrap_or_else(|_| "http://127.0.0.1:8103".to_string());
    let client = Client::builder(&base_url, Credentials::from_env()?).build()?;
    match update(&client).await {
        Ok(response) => {
            let user = response.data.and_then(|data| data.user);
            println!("updated: {:?}", user.and_then(|user| user.fullname));
        }
        Err(Error::Api { body, .. }) if !body.errors.is_empty() => {
            for (field, messages) in &body.errors {
                eprintln!("refused {field}: {}", messages.join("; "));
            }
            return Err(body.message.into());
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
