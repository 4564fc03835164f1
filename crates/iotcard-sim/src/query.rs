//! Query strings as both platforms read them (`application/x-www-form-
//! urlencoded`), borrowing each value when it holds no escape: a batch of
//! 100 numbers is read without a copy.

use std::borrow::Cow;

/// The `(name, value)` pairs of `query`, decoded (`%XX` and `+`).
pub(crate) fn pairs(query: &str) -> impl Iterator<Item = (Cow<'_, str>, Cow<'_, str>)> {
    query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            (decode(name), decode(value))
        })
}

fn decode(text: &str) -> Cow<'_, str> {
    if !text.bytes().any(|b| b == b'%' || b == b'+') {
        return Cow::Borrowed(text);
    }
    // The slow path: the reference decoder (lossy on invalid UTF-8).
    let mut decoded = String::with_capacity(text.len());
    for (piece, _) in form_urlencoded::parse(text.as_bytes()) {
        decoded.push_str(&piece);
    }
    Cow::Owned(decoded)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn agrees_with_form_urlencoded() {
        for q in [
            "a=1&b=2",
            "cardIdNums=1064000000001%2C1064000000002&accessToken=x",
            "password=p%26ss%3Dword%20%2B%25&account=a+b",
            "&&x&=y&z=",
            "k=%E7%A7%BB%E5%8A%A8&bad=%ZZ&half=%E7",
            "",
        ] {
            let ours: Vec<(String, String)> = pairs(q)
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect();
            let reference: Vec<(String, String)> = form_urlencoded::parse(q.as_bytes())
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect();
            assert_eq!(ours, reference, "{q}");
        }
        let (_, v) = pairs("cardIdNums=1,2,3").next().unwrap();
        assert!(matches!(v, Cow::Borrowed(_)));
    }
}
