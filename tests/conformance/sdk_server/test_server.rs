//! `profile_test_server::TestServer`, as a user's test would use it: every SDK
//! against all five APIs started at once, with the credentials it hands out;
//! everything stopped when it is dropped.

use profile_test_server::Api;
use profile_test_server::TestServer;

use crate::seed_requests;

fn started() -> TestServer {
    TestServer::start_all().unwrap_or_else(|e| panic!("{e}"))
}

#[tokio::test]
async fn every_sdk_updates_its_api_with_the_credentials_it_hands_out() {
    let server = started();
    every_seed_request(&server, |api| {
        server
            .base_url(api)
            .unwrap_or_else(|e| panic!("{e}"))
            .to_string()
    })
    .await;
}

/// Each API's seed request, built with its SDK and sent to `url(api)` (the
/// server's own address, or a proxy in front of it) with `server`'s
/// credentials; panics unless each is answered with success.
pub async fn every_seed_request(server: &TestServer, url: impl Fn(Api) -> String) {
    let token = |api| server.token(api).unwrap_or_else(|e| panic!("{e}"));

    let credentials = cl2c_sdk::Credentials::new(server.tenant(), token(Api::Cl2c))
        .unwrap_or_else(|e| panic!("{e}"));
    cl2c_sdk::Client::new(&url(Api::Cl2c), credentials.into())
        .update_profile()
        .body(seed_requests::cl2c::seed())
        .send()
        .await
        .unwrap_or_else(|e| panic!("cl2c: {}", cl2c_sdk::Error::from(e)));

    let credentials = ctechnology_sdk::Credentials::api_key(token(Api::Ctechnology))
        .unwrap_or_else(|e| panic!("{e}"));
    ctechnology_sdk::Client::new(&url(Api::Ctechnology), credentials.into())
        .update_user_profile()
        .body(seed_requests::ctechnology::seed())
        .send()
        .await
        .unwrap_or_else(|e| panic!("ctechnology: {}", ctechnology_sdk::Error::from(e)));

    let credentials = ctrlhub_sdk::Credentials::session_token(token(Api::Ctrlhub))
        .unwrap_or_else(|e| panic!("{e}"));
    let personal = ctrlhub_sdk::types::PersonalUpdate::builder().first_name("Ada".to_string());
    let profile = ctrlhub_sdk::types::UserProfileUpdate::builder()
        .personal(seed_requests::built::<ctrlhub_sdk::types::PersonalUpdate, _>(personal));
    let attributes =
        ctrlhub_sdk::types::UserUpdateAttributes::builder().profile(seed_requests::built::<
            ctrlhub_sdk::types::UserProfileUpdate,
            _,
        >(profile));
    let resource = ctrlhub_sdk::types::UserUpdateResource::builder()
        .id(server.user_id())
        .type_(ctrlhub_sdk::types::UserUpdateResourceType::Users)
        .attributes(seed_requests::built::<
            ctrlhub_sdk::types::UserUpdateAttributes,
            _,
        >(attributes));
    ctrlhub_sdk::Client::new(&url(Api::Ctrlhub), credentials.into())
        .update_user()
        .user_id(server.user_id())
        .body(ctrlhub_sdk::types::UserUpdateDocument::builder().data(resource))
        .send()
        .await
        .unwrap_or_else(|e| panic!("ctrlhub: {}", ctrlhub_sdk::Error::from(e)));

    let credentials =
        exante_sdk::Credentials::bearer(token(Api::Exante)).unwrap_or_else(|e| panic!("{e}"));
    exante_sdk::Client::new(&url(Api::Exante), credentials.into())
        .update_current_user()
        .body(exante_sdk::types::UserProfileUpdate::builder().firstname(exante_sdk::some("Ada")))
        .send()
        .await
        .unwrap_or_else(|e| panic!("exante: {}", exante_sdk::Error::from(e)));

    let credentials = zitadel_sdk::Credentials::access_token(token(Api::Zitadel))
        .unwrap_or_else(|e| panic!("{e}"));
    zitadel_sdk::Client::new(&url(Api::Zitadel), credentials.into())
        .auth_service_update_my_profile()
        .body(seed_requests::zitadel::seed())
        .send()
        .await
        .unwrap_or_else(|e| panic!("zitadel: {}", zitadel_sdk::Error::from(e)));
}

#[tokio::test]
async fn one_api_alone_has_no_other_api() {
    let server = TestServer::start(Api::Exante).unwrap_or_else(|e| panic!("{e}"));
    assert!(server.base_url(Api::Exante).is_ok());
    let refused = server.base_url(Api::Zitadel).err().map(|e| e.to_string());
    assert!(
        refused.is_some_and(|text| text.contains("zitadel was not started")),
        "an API that was not started has a URL"
    );
    assert!(server.token(Api::Zitadel).is_err());
}

#[tokio::test]
async fn dropping_it_stops_the_servers() {
    let server = TestServer::start(Api::Zitadel).unwrap_or_else(|e| panic!("{e}"));
    let url = server
        .base_url(Api::Zitadel)
        .unwrap_or_else(|e| panic!("{e}"))
        .to_string();
    let address = url.trim_start_matches("http://").to_string();
    assert!(tokio::net::TcpStream::connect(&address).await.is_ok());
    drop(server);
    // The listener closes once dropshot's task has seen the stop.
    let mut refused = false;
    for _ in 0..50 {
        if tokio::net::TcpStream::connect(&address).await.is_err() {
            refused = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert!(
        refused,
        "{address} still accepts connections after the drop"
    );
}

#[tokio::test]
async fn two_test_servers_do_not_share_a_user_or_a_database() {
    let first = started();
    let second = started();
    assert_ne!(first.user_id(), second.user_id());
    assert_ne!(
        first.base_url(Api::Cl2c).ok(),
        second.base_url(Api::Cl2c).ok()
    );
    // The first's token means nothing to the second's database.
    let credentials = zitadel_sdk::Credentials::access_token(
        first.token(Api::Zitadel).unwrap_or_else(|e| panic!("{e}")),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let client = zitadel_sdk::Client::new(
        second
            .base_url(Api::Zitadel)
            .unwrap_or_else(|e| panic!("{e}")),
        credentials.into(),
    );
    let result = client
        .auth_service_update_my_profile()
        .body(seed_requests::zitadel::seed())
        .send()
        .await
        .map_err(zitadel_sdk::Error::from);
    assert_eq!(
        result.err().and_then(|e| e.status()).map(|s| s.as_u16()),
        Some(401)
    );
}
