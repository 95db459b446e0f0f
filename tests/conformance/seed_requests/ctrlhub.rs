//! Ctrl-Hub: `PUT /v3/users/{user_id}`'s request example, and the pieces
//! the server suite varies one at a time.

use ctrlhub_sdk::types;
use uuid::Uuid;

pub use super::built;

pub fn some(value: &str) -> Option<String> {
    Some(value.to_string())
}

/// The example's `personal`, with `dob`.
pub fn personal(dob: &str) -> types::PersonalUpdate {
    built(
        types::PersonalUpdate::builder()
            .dob(Some(dob.parse().unwrap_or_else(|e| panic!("{dob}: {e}"))))
            .first_name(some("Charlotte"))
            .last_name(some("Thompson")),
    )
}

/// The example's `work`, with `start_date`.
pub fn work(start_date: &str) -> types::WorkUpdate {
    built(
        types::WorkUpdate::builder()
            .cscs(some("GBCSCS789"))
            .eusr(some("GBEUSR012"))
            .occupation(some("Senior Software Engineer"))
            .start_date(Some(
                start_date
                    .parse()
                    .unwrap_or_else(|e| panic!("{start_date}: {e}")),
            )),
    )
}

/// A document updating `id` with `profile`.
pub fn document(
    id: Uuid,
    profile: types::builder::UserProfileUpdate,
) -> types::builder::UserUpdateDocument {
    let attributes: types::UserUpdateAttributes =
        built(types::UserUpdateAttributes::builder().profile(Some(built(profile))));
    types::UserUpdateDocument::builder().data(
        types::UserUpdateResource::builder()
            .id(id)
            .type_(types::UserUpdateResourceType::Users)
            .attributes(Some(attributes)),
    )
}

/// The spec's request example's profile.
pub fn seed_profile() -> types::builder::UserProfileUpdate {
    let address: types::Address = built(
        types::Address::builder()
            .area(some("Central London"))
            .country_code(some("GB"))
            .county(some("Greater London"))
            .name(some("The Shard"))
            .number(some("32A"))
            .postcode(some("SE1 9SG"))
            .street(some("London Bridge Street"))
            .town(some("London"))
            .what3words(some("spark.dizzy.ramp")),
    );
    let contact: types::Contact = built(
        types::Contact::builder()
            .landline(some("020 3728 5000"))
            .mobile(some("07700 900456")),
    );
    let settings: types::ProfileSettings = built(
        types::ProfileSettings::builder()
            .preferred_language(some("en-GB"))
            .timezone(some("Europe/London")),
    );
    types::UserProfileUpdate::builder()
        .address(Some(address))
        .contact(Some(contact))
        .personal(Some(personal("1985-06-15T00:00:00.000Z")))
        .settings(Some(settings))
        .work(Some(work("2018-03-15T00:00:00.000Z")))
}

/// The spec's request example, for `id` (in the path and in `data.id`).
/// `id` is a parameter because the wire suite sends the example's own id
/// while the server suite must name a user the server has (alice, bob or
/// an unknown one, per test).
pub fn seed(id: Uuid) -> types::builder::UserUpdateDocument {
    document(id, seed_profile())
}
