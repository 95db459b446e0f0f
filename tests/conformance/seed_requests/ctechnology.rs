//! c.technology: `PUT /api/v2.2/me`'s request example.

use ctechnology_sdk::types;

pub use super::built;

/// The example's value for every string field.
pub const PLACEHOLDER: &str = "<string>";

pub fn text() -> Option<String> {
    Some(PLACEHOLDER.to_string())
}

pub fn sidebar_filter() -> types::SidebarFilterVehicles {
    built(
        types::SidebarFilterVehicles::builder()
            .show_own_vehicles(Some(true))
            .show_client_vehicles(Some(true)),
    )
}

/// The spec's request example, field for field.
pub fn seed() -> types::builder::UserProfileUpdate {
    let webapp: types::SettingsWebapp = built(
        types::SettingsWebapp::builder()
            .main_role(Some(types::MainRole::Private))
            .current_organization(text())
            .selected_theme_id(text())
            .private_sidebar_filter_vehicles(Some(sidebar_filter()))
            .professional_sidebar_filter_vehicles(Some(sidebar_filter()))
            .scrollbar_style(Some(types::ScrollbarStyle::OnScrl))
            .timestamp_last_time_upgrade_app_shown(Some(
                "2023-11-07T05:31:56Z"
                    .parse()
                    .unwrap_or_else(|e| panic!("{e}")),
            )),
    );
    let nativeapp: types::SettingsNativeapp = built(
        types::SettingsNativeapp::builder()
            .theme(text())
            .map_style(text())
            .font_size(text())
            .animations(Some(true))
            .update_interval(Some(types::UpdateInterval::Instant)),
    );
    types::UserProfileUpdate::builder()
        .first_name(text())
        .last_name(text())
        .may_use_email_for_marketing(Some(true))
        .address_country_code(text())
        .address_street(text())
        .address_city(text())
        .address_zip(text())
        .profile_picture_id(text())
        .primary_locale(text())
        .measurement_units(Some(types::MeasurementUnits::Metric))
        .time_format(Some(types::TimeFormat::X24h))
        .settings_webapp(Some(webapp))
        .settings_nativeapp(Some(nativeapp))
        .notification_new_message(Some(true))
        .notification_new_news_article(Some(true))
        .ecosystem_timestamp_last_news_read(Some(
            "2023-11-07T05:31:56Z"
                .parse()
                .unwrap_or_else(|e| panic!("{e}")),
        ))
        .company_name(text())
        .company_tel(text())
}
