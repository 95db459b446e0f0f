//! Updates the profile on a running server (by default the local one that
//! `cargo run -p server` starts), with the tenant and key it prints:
//!
//! ```sh
//! CL2C_TENANT=<tenant> CL2C_API_KEY=<the X-API-Key in the cl2c curl line> \
//!     cargo run -p cl2c-sdk --example update_cl2c_profile
//! ```
//!
//! `CL2C_BASE_URL` points it elsewhere (default `http://127.0.0.1:8102`).

use std::process::ExitCode;

use cl2c_sdk::{Client, Credentials, Error, ErrorDetails, types};

async fn update(client: &Client) -> Result<types::UserProfile, Error> {
    let body = types::UpdateProfileRequest::builder()
        .first_name("John")
        .last_name("Doe".to_string())
        .phone_number(cl2c_sdk::some("+1234567890"));
    Ok(client
        .update_profile()
        .body(body)
        .send()
        .await?
        .into_inner())
}

async fn run() -> Result<(), Box<dyn std::error::Error>> {
    let base_url =
        std::env::var("CL2C_BASE_URL").unwrap_or_else(|_| "http://127.0.0.1:8102".to_string());
    let client = Client::builder(&base_url, Credentials::from_env()?).build()?;
    match update(&client).await {
        Ok(profile) => println!(
            "updated: {} {}",
            profile.first_name.unwrap_or_default(),
            profile.last_name.unwrap_or_default()
        ),
        Err(Error::Api {
            body: ErrorDetails::Validation(problem),
            ..
        }) => {
            for (field, messages) in &problem.errors {
                eprintln!("refused {field}: {}", messages.join("; "));
            }
            return Err("the update was refused".into());
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
