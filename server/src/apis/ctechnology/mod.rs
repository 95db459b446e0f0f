//! c.technology's "Update user profile": `PUT /api/v2.2/me`.

pub mod api;
pub mod errors;
pub mod handlers;
pub mod types;
pub mod validation;

use super::{CredentialPlace, Credentials, Descriptor, Operation};
use crate::registry::Api;

/// What c.technology is; see [`Descriptor`].
pub static DESCRIPTOR: Descriptor = Descriptor {
    api: Api::Ctechnology,
    title: "c.technology",
    default_port: 8101,
    credentials: Credentials {
        place: CredentialPlace::Authorization { scheme: "Token" },
        tenant_header: None,
        token_prefix: "ct_",
    },
    operation: Operation {
        operation_id: "updateUserProfile",
        method: "PUT",
        path: "/api/v2.2/me",
        media_type: "application/json",
    },
    example_body: SEED_BODY,
    spec_yaml: include_str!("../../../../spec/ctechnology.yaml"),
    error_body: errors::error_body,
    description: || {
            api::ctechnology_api_mod::api_description::<handlers::CtechnologyImpl>()
                .map_err(|e| e.to_string())
        },
    stub_description: || {
            api::ctechnology_api_mod::stub_api_description().map_err(|e| e.to_string())
        },
};

/// The vendor page's example request body, byte for byte as the page shows
/// it (every `"<string>"` placeholder is a plain string field, so the body
/// is valid as it stands).
pub const SEED_BODY: &str = r#"
{
  "first_name": "<string>",
  "last_name": "<string>",
  "may_use_email_for_marketing": true,
  "address_country_code": "<string>",
  "address_street": "<string>",
  "address_city": "<string>",
  "address_zip": "<string>",
  "profile_picture_id": "<string>",
  "primary_locale": "<string>",
  "measurement_units": "METRIC",
  "time_format": "24H",
  "settings_webapp": {
    "main_role": "PRIVATE",
    "current_organization": "<string>",
    "selected_theme_id": "<string>",
    "private_sidebar_filter_vehicles": {
      "show_own_vehicles": true,
      "show_client_vehicles": true
    },
    "professional_sidebar_filter_vehicles": {
      "show_own_vehicles": true,
      "show_client_vehicles": true
    },
    "scrollbar_style": "ON_SCRL",
    "timestamp_last_time_upgrade_app_shown": "2023-11-07T05:31:56Z"
  },
  "settings_nativeapp": {
    "theme": "<string>",
    "map_style": "<string>",
    "font_size": "<string>",
    "animations": true,
    "update_interval": "INSTANT"
  },
  "notification_new_message": true,
  "notification_new_news_article": true,
  "ecosystem_timestamp_last_news_read": "2023-11-07T05:31:56Z",
  "company_name": "<string>",
  "company_tel": "<string>"
}
"#;
