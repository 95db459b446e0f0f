//! The types of `api.rs`'s trait: the request, response and parameter
//! types, each mirroring its schema in `spec/ctechnology.yaml`, with the helpers
//! that tell schemars how to document them. No behaviour beyond
//! (de)serialising.

use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use super::validation::{date_time, nullable, object_only};
use crate::apis::fields::present;
/// The chosen measurement units (metric or imperial). Note: This is only used
/// for displaying values in frontends - everything served and consumed by the
/// API is in metric units.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum MeasurementUnits {
    #[serde(rename = "METRIC")]
    Metric,
    #[serde(rename = "IMPERIAL")]
    Imperial,
}

/// The chosen time format, as 24-hour vs 12-hour with AM/PM. Note: This is
/// only used for displaying values in frontends.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum TimeFormat {
    #[serde(rename = "24H")]
    TwentyFourHour,
    #[serde(rename = "AMPM")]
    AmPm,
}

/// The role in which the webapp is used (private or professional).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum MainRole {
    Private,
    Professional,
}

/// The scrollbar style used in the webapp (the page documents only ON_SCRL).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum ScrollbarStyle {
    #[serde(rename = "ON_SCRL")]
    OnScrl,
}

/// How often the native apps update their data (the page documents only
/// INSTANT).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum UpdateInterval {
    Instant,
}

/// Which vehicles the webapp sidebar lists.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(remote = "Self")]
#[schemars(rename = "SidebarFilterVehicles")]
pub struct SidebarFilterVehicles {
    /// Whether the sidebar shows the user's own vehicles.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "present"
    )]
    #[schemars(with = "bool")]
    pub show_own_vehicles: Option<bool>,
    /// Whether the sidebar shows the vehicles of the user's clients.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "present"
    )]
    #[schemars(with = "bool")]
    pub show_client_vehicles: Option<bool>,
}

/// User settings (for the c.technology webapp).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(remote = "Self")]
#[schemars(rename = "SettingsWebapp")]
pub struct SettingsWebapp {
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "present"
    )]
    #[schemars(with = "MainRole")]
    pub main_role: Option<MainRole>,
    /// The organisation currently selected in the webapp.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "present"
    )]
    #[schemars(with = "String")]
    pub current_organization: Option<String>,
    /// The identifier of the theme selected in the webapp.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "present"
    )]
    #[schemars(with = "String")]
    pub selected_theme_id: Option<String>,
    /// The webapp sidebar's vehicle filter used in the PRIVATE role.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "present"
    )]
    #[schemars(with = "SidebarFilterVehicles")]
    pub private_sidebar_filter_vehicles: Option<SidebarFilterVehicles>,
    /// The webapp sidebar's vehicle filter used in the PROFESSIONAL role.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "present"
    )]
    #[schemars(with = "SidebarFilterVehicles")]
    pub professional_sidebar_filter_vehicles: Option<SidebarFilterVehicles>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "present"
    )]
    #[schemars(with = "ScrollbarStyle")]
    pub scrollbar_style: Option<ScrollbarStyle>,
    /// The date/time at which the webapp last showed the user the prompt to
    /// upgrade the app.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "date_time"
    )]
    #[schemars(with = "DateTime<Utc>")]
    pub timestamp_last_time_upgrade_app_shown: Option<DateTime<Utc>>,
}

/// User settings (for the c.technology native apps).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(remote = "Self")]
#[schemars(rename = "SettingsNativeapp")]
pub struct SettingsNativeapp {
    /// The theme chosen in the native apps.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "present"
    )]
    #[schemars(with = "String")]
    pub theme: Option<String>,
    /// The map style chosen in the native apps.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "present"
    )]
    #[schemars(with = "String")]
    pub map_style: Option<String>,
    /// The font size chosen in the native apps.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "present"
    )]
    #[schemars(with = "String")]
    pub font_size: Option<String>,
    /// Whether animations are enabled in the native apps.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "present"
    )]
    #[schemars(with = "bool")]
    pub animations: Option<bool>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "present"
    )]
    #[schemars(with = "UpdateInterval")]
    pub update_interval: Option<UpdateInterval>,
}

/// A user's profile, consisting of email, name, profile picture, etc.
/// Request body of "Update user profile"; no field is required.
///
/// It is also the shape of the stored document: the handlers merge each
/// request into it and decode it again to answer.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(remote = "Self")]
#[schemars(rename = "UserProfileUpdate")]
pub struct UserProfileUpdate {
    /// The first name of this user.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "present"
    )]
    #[schemars(with = "String")]
    pub first_name: Option<String>,
    /// The last name of this user.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "present"
    )]
    #[schemars(with = "String")]
    pub last_name: Option<String>,
    /// If the user has agreed to receive marketing emails.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "present"
    )]
    #[schemars(with = "bool")]
    pub may_use_email_for_marketing: Option<bool>,
    /// The country code of the country this user lives in.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "present"
    )]
    #[schemars(with = "String")]
    pub address_country_code: Option<String>,
    /// The street address of this user.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "present"
    )]
    #[schemars(with = "String")]
    pub address_street: Option<String>,
    /// The city this user lives in.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "present"
    )]
    #[schemars(with = "String")]
    pub address_city: Option<String>,
    /// The zip code of the city this user lives in.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "present"
    )]
    #[schemars(with = "String")]
    pub address_zip: Option<String>,
    /// The user's profile image unique identifier. May be null: absent
    /// leaves it unchanged, null clears it.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "nullable"
    )]
    #[schemars(with = "Option<String>")]
    pub profile_picture_id: Option<Option<String>>,
    /// The primary locale (language) of a user.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "present"
    )]
    #[schemars(with = "String")]
    pub primary_locale: Option<String>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "present"
    )]
    #[schemars(with = "MeasurementUnits")]
    pub measurement_units: Option<MeasurementUnits>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "present"
    )]
    #[schemars(with = "TimeFormat")]
    pub time_format: Option<TimeFormat>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "present"
    )]
    #[schemars(with = "SettingsWebapp")]
    pub settings_webapp: Option<SettingsWebapp>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "present"
    )]
    #[schemars(with = "SettingsNativeapp")]
    pub settings_nativeapp: Option<SettingsNativeapp>,
    /// If the user wants to receive notifications upon receiving a new
    /// message.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "present"
    )]
    #[schemars(with = "bool")]
    pub notification_new_message: Option<bool>,
    /// If the user wants to receive notifications upon a partner posting a
    /// new news article.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "present"
    )]
    #[schemars(with = "bool")]
    pub notification_new_news_article: Option<bool>,
    /// The date/time at which the user saw the news last time.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "date_time"
    )]
    #[schemars(with = "DateTime<Utc>")]
    pub ecosystem_timestamp_last_news_read: Option<DateTime<Utc>>,
    /// Deprecated: The company the user works at.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "present"
    )]
    #[schemars(with = "String")]
    #[deprecated]
    pub company_name: Option<String>,
    /// Deprecated: The phone number of the company the user works at.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "present"
    )]
    #[schemars(with = "String")]
    #[deprecated]
    pub company_tel: Option<String>,
}

/// A user's profile, consisting of email, name, profile picture, etc.
#[derive(Clone, Debug, Serialize, JsonSchema)]
#[schemars(rename = "UserProfile")]
pub struct UserProfile {
    /// The unique identifier of this user.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "String")]
    pub id: Option<String>,
    /// The email address of this user.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "String", email)]
    pub email: Option<String>,
    /// The first name of this user.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "String")]
    pub first_name: Option<String>,
    /// The last name of this user.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "String")]
    pub last_name: Option<String>,
    /// The country code of the country this user lives in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "String")]
    pub address_country_code: Option<String>,
    /// The street address of this user.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "String")]
    pub address_street: Option<String>,
    /// The city this user lives in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "String")]
    pub address_city: Option<String>,
    /// The zip code of the city this user lives in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "String")]
    pub address_zip: Option<String>,
    /// URL of the user's profile picture; null when the user has no profile
    /// picture.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<String>")]
    pub profile_picture_url: Option<Option<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "MeasurementUnits")]
    pub measurement_units: Option<MeasurementUnits>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "SettingsWebapp")]
    pub settings_webapp: Option<SettingsWebapp>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "SettingsNativeapp")]
    pub settings_nativeapp: Option<SettingsNativeapp>,
    /// If the user has agreed to receive marketing emails.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "bool")]
    pub may_use_email_for_marketing: Option<bool>,
    /// The user's profile image unique identifier; may be null.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<String>")]
    pub profile_picture_id: Option<Option<String>>,
    /// The primary locale (language) of a user; may be null.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<String>")]
    pub primary_locale: Option<Option<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "TimeFormat")]
    pub time_format: Option<TimeFormat>,
    /// If the user wants to receive notifications upon receiving a new
    /// message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "bool")]
    pub notification_new_message: Option<bool>,
    /// If the user wants to receive notifications upon a partner posting a
    /// new news article.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "bool")]
    pub notification_new_news_article: Option<bool>,
    /// The date/time at which the user saw the news last time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "DateTime<Utc>")]
    pub ecosystem_timestamp_last_news_read: Option<DateTime<Utc>>,
    /// Deprecated: The company the user works at.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "String")]
    #[deprecated]
    pub company_name: Option<String>,
    /// Deprecated: The phone number of the company the user works at.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "String")]
    #[deprecated]
    pub company_tel: Option<String>,
}

/// One permission the caller holds on the resource, and how it was obtained.
#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct PermissionVia {
    /// The name of the permission held.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "String")]
    pub permission: Option<String>,
    /// How the caller got the permission ("me": by being the user).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "String")]
    pub via: Option<String>,
    /// The organisation through which the permission was obtained; null when
    /// it does not come via an organisation. Always sent, null included.
    pub organization_id: Option<String>,
}

/// Default header sent along with single-resource responses (and, with
/// status "error", as the whole error body).
#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct ApiHeaderSingle {
    /// The version of the API that answered the request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "String")]
    pub api_version: Option<String>,
    /// The outcome of the request: "success" or "error".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "String")]
    pub status: Option<String>,
    /// A human-readable message about the outcome of the request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "String")]
    pub message: Option<String>,
    /// The permissions by which the caller was allowed to access the
    /// resource, and how each was obtained.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Vec<PermissionVia>")]
    pub permission_via: Option<Vec<PermissionVia>>,
}

/// Body of a successful "Update user profile" response.
#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct UserProfileResponse {
    pub header: ApiHeaderSingle,
    pub data: UserProfile,
}

// The request's objects decode only from JSON objects (see `ObjectOnly`).
object_only!(
    SidebarFilterVehicles,
    SettingsWebapp,
    SettingsNativeapp,
    UserProfileUpdate
);

