//! ZITADEL's field rules, checked before anything is stored. Lengths are
//! counted in characters ("runes"), as the vendor's validators count them.

use super::types::UpdateMyProfileRequest;
use super::errors::RpcStatus;

fn length(field: &str, value: &str, min: usize, max: usize) -> Result<(), RpcStatus> {
    let count = value.chars().count();
    if count < min || count > max {
        let rule = if min == 0 {
            format!("value length must be at most {max} runes")
        } else {
            format!("value length must be between {min} and {max} runes, inclusive")
        };
        return Err(RpcStatus::invalid_argument(format!(
            "invalid UpdateMyProfileRequest.{field}: {rule}"
        )));
    }
    Ok(())
}

/// Every documented rule: firstName, lastName and displayName non-empty and
/// at most 200; nickName at most 200 (empty allowed, as the vendor's server
/// allows it); preferredLanguage at most 10. The gender enum is enforced by
/// decoding.
pub fn validate(request: &UpdateMyProfileRequest) -> Result<(), RpcStatus> {
    length("FirstName", &request.first_name, 1, 200)?;
    length("LastName", &request.last_name, 1, 200)?;
    length("DisplayName", &request.display_name, 1, 200)?;
    if let Some(nick_name) = &request.nick_name {
        length("NickName", nick_name, 0, 200)?;
    }
    if let Some(language) = &request.preferred_language {
        length("PreferredLanguage", language, 0, 10)?;
    }
    Ok(())
}
