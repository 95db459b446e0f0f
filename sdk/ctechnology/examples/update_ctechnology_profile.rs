//! Updates the profile on a running server (by default the local one that
//! `cargo run -p server` starts), with the API key it prints:
//!
//! ```sh
//! CTECHNOLOGY_API_KEY=<the key after "Token" in the ctechnology curl line> \
//!     cargo run -p ctechnology-sdk --example update_ctechnology_profile
//! ```
//!
//! `CTECHNOLOGY_BASE_URL` points it elsewhere (default `http://127.0.0.1:8101`).

use std::process::ExitCode;

use ctechnology_sdk::{Client, Credentials, Error, types};

async fn update(client: &Client) -> Result<types::UserProfileResponse, Error> {
    let update = types::UserProfileUpdate::builder()
        .first_name("Jane".to_string())
        .last_name("Doe".to_string())
        .measurement_units(types::MeasurementUnits::Metric)
        .time_format(types::TimeFormat::X24h);
    Ok(client
        .update_user_profile()
        .body(update)
        .send()
        .await?
        .into_inner())
}

async fn run() -> Result<(), Box<dyn std::error::Error>> {
    let base_url = std::env::var("CTECHNOLOGY_BASE_URL")
        .unwrap_or_else(|_| "http://127.0.0.1:8101".to_string());
    let client = Client::builder(&base_url, Credentials::from_env()?).build()?;
    let response = update(&client).await?;
    println!(
        "updated: {:?} {:?}, allowed via {:?}",
        response.data.first_name, response.data.last_name, response.header.permission_via
    );
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
