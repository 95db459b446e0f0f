//! Updates the profile on a running server (by default the local one that
//! `cargo run -p server` starts), with the session token and user id it
//! prints (the id is in the ctrlhub curl line's path, `/v3/users/<id>`):
//!
//! ```sh
//! CTRLHUB_SESSION_TOKEN=<the X-Session-Token in the ctrlhub curl line> \
//! CTRLHUB_USER_ID=<the id in its path> \
//!     cargo run -p ctrlhub-sdk --example update_ctrlhub_profile
//! ```
//!
//! `CTRLHUB_BASE_URL` points it elsewhere (default `http://127.0.0.1:8104`).

use std::process::ExitCode;

use ctrlhub_sdk::{Client, Credentials, Error, types};

async fn update(client: &Client, user_id: uuid::Uuid) -> Result<types::UserDocument, Error> {
    let personal = types::PersonalUpdate::builder()
        .first_name("Charlotte".to_string())
        .last_name("Thompson".to_string());
    let profile =
        types::UserProfileUpdate::builder().personal(types::PersonalUpdate::try_from(personal)?);
    let attributes = types::UserUpdateAttributes::builder()
        .profile(types::UserProfileUpdate::try_from(profile)?);
    let resource = types::UserUpdateResource::builder()
        .id(user_id)
        .type_(types::UserUpdateResourceType::Users)
        .attributes(types::UserUpdateAttributes::try_from(attributes)?);
    let document = types::UserUpdateDocument::builder().data(resource);
    Ok(client
        .update_user()
        .user_id(user_id)
        .body(document)
        .send()
        .await?
        .into_inner())
}

async fn run() -> Result<(), Box<dyn std::error::Error>> {
    let base_url =
        std::env::var("CTRLHUB_BASE_URL").unwrap_or_else(|_| "http://127.0.0.1:8104".to_string());
    let user_id: uuid::Uuid = std::env::var("CTRLHUB_USER_ID")
        .map_err(|_| "the environment variable CTRLHUB_USER_ID is not set")?
        .parse()?;
    let client = Client::builder(&base_url, Credentials::from_env()?).build()?;
    match update(&client, user_id).await {
        Ok(document) => {
            let attributes = document.data.attributes;
            let personal = attributes.and_then(|a| a.profile).and_then(|p| p.personal);
            println!("updated: {:?}", personal.and_then(|p| p.first_name));
        }
        Err(Error::Api { body, .. }) => {
            for error in &body.errors {
                eprintln!(
                    "refused {}: {}",
                    error
                        .source
                        .as_ref()
                        .and_then(|s| s.pointer.as_deref())
                        .unwrap_or("-"),
                    error.detail.as_deref().unwrap_or("-")
                );
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
