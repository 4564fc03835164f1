//! `getcardlist` pages under any HTTP status: a page or an error with the
//! properties of [`iotcard_fuzz::check_error`], never a panic, and whatever
//! page comes out drives the pager without a panic or a stall.
#![no_main]

use tencent_proto::{Call, CardList, CardListPager, Limit, OperatorFilter, TencentError};

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    iotcard_fuzz::for_each_status(data, |response| {
        let status = response.status();
        let result = tencent_proto::parse_card_list(response);
        iotcard_fuzz::check_result(Call::GetCardList.name(), status, &result);
        if let Ok(page) = result {
            for rejected in &page.rejected {
                iotcard_fuzz::check_error(Call::GetCardList.name(), status, &rejected.error);
            }
            drive_the_pager(&page);
        }
    });
});

fn drive_the_pager(page: &CardList) {
    for card in &page.cards {
        let _ = card.to_snapshot();
    }
    let len = page.len();
    for limit in [1, len.clamp(1, 20), 20] {
        let Ok(limit) = Limit::new(limit as u64) else {
            continue;
        };
        let limit_len = usize::from(limit.get());
        let mut pager = CardListPager::new(OperatorFilter::All, limit);
        let asked = pager.next_query().map(|q| q.offset);
        assert_eq!(asked, Some(0));
        match pager.record(page) {
            // Only an empty page ends a listing whose count is unknown.
            Ok(()) if len == 0 => assert!(pager.next_query().is_none()),
            Ok(()) => {
                // Any other page (a short one too: servers cap pages below
                // the limit): the next one starts right after it, and the
                // same page again is caught instead of paging forever.
                assert_eq!(pager.next_query().map(|q| q.offset), Some(len as u32));
                let again = pager.record(page);
                assert!(matches!(again, Err(TencentError::PageRepeated { .. })));
                assert!(pager.next_query().is_none());
            }
            Err(TencentError::PageTooLong { .. }) => {
                assert!(len > limit_len);
                assert!(pager.next_query().is_none());
            }
            Err(other) => panic!("unexpected pager error {other}"),
        }
    }
}
