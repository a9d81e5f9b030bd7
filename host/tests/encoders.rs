//! Encoder unit tests with hand-computed buckets (spec §4, §5, §10) and property tests.

use proptest::prelude::*;
use z80lm::model::encode::*;

#[test]
fn hash_of_space_i_s() {
    // Spec §10: h = 32 → 32·31+105 = 1097 → 1097·31+115 = 34122; bucket 74.
    assert_eq!(hash(0, b" is"), 34122);
    assert_eq!(hash(0, b" is") & 127, 74);
}

#[test]
fn is_it_a_chair_buckets() {
    let b = query_buckets(b"is it a chair");
    assert_eq!(b, [74, 54, 124, 75, 85, 53, 127, 100, 5, 28, 16, 74, 23]);
    let x = query_input(b"is it a chair");
    assert_eq!(x[74], 64);
    assert_eq!(x.iter().filter(|&&v| v != 0).count(), 12);
    assert_eq!(x.iter().map(|&v| i32::from(v)).sum::<i32>(), 13 * 32);
}

#[test]
fn hello_buckets() {
    assert_eq!(query_buckets(b"hello"), [29, 15, 37, 111, 125]);
}

#[test]
fn case_folding_and_leading_spaces() {
    assert_eq!(
        query_buckets(b"   IS it A Chair"),
        query_buckets(b"is it a chair")
    );
    // Trailing spaces are kept: one more trigram.
    assert_eq!(query_buckets(b"hello ").len(), 6);
    // TAB is not skipped.
    assert_eq!(query_bytes(b"\thi"), b"\thi");
    // Only A–Z fold; bytes ≥ 0x80 stay.
    assert_eq!(query_bytes("É".as_bytes()), "É".as_bytes());
}

#[test]
fn empty_and_spaces_only_give_zero_query() {
    assert!(query_buckets(b"").is_empty());
    assert!(query_buckets(b"     ").is_empty());
    assert_eq!(query_input(b"    "), [0; 128]);
}

#[test]
fn cap_at_62_bytes() {
    let long = [b'q'; 100];
    assert_eq!(query_buckets(&long).len(), 62);
    assert_eq!(query_buckets(&long), query_buckets(&long[..62]));
    // The cap applies before leading spaces are skipped (spec §4.1–4.2).
    let mut spaced = vec![b' '; 60];
    spaced.extend_from_slice(b"abcdef");
    assert_eq!(query_bytes(&spaced), b"ab");
}

#[test]
fn start_window_buckets() {
    // Spec §5: 18 distinct buckets, with 132, 160 and 210 twice.
    let x = context_input(&START_WINDOW);
    let mut got: Vec<(usize, i16)> = x
        .iter()
        .enumerate()
        .filter(|(_, &v)| v != 0)
        .map(|(i, &v)| (i + 128, v))
        .collect();
    got.sort();
    let want = [
        (128, 32),
        (132, 64),
        (142, 32),
        (143, 32),
        (156, 32),
        (157, 32),
        (160, 64),
        (170, 32),
        (171, 32),
        (182, 32),
        (185, 32),
        (199, 32),
        (210, 64),
        (213, 32),
        (221, 32),
        (227, 32),
        (235, 32),
        (249, 32),
    ];
    assert_eq!(got, want);
    // The unigram at p = 1: h = 7·31 + 32 = 249 → bucket 128 + 121.
    assert_eq!(hash(7, b" "), 249);
}

#[test]
fn window_shifts_and_folds() {
    let mut w = START_WINDOW;
    push_window(&mut w, b'W');
    push_window(&mut w, b'I');
    assert_eq!(&w, b"      wi");
}

proptest! {
    #[test]
    fn query_never_panics_and_stays_in_range(line in proptest::collection::vec(any::<u8>(), 0..200)) {
        let b = query_buckets(&line);
        prop_assert!(b.len() <= MAX_QUERY);
        prop_assert!(b.iter().all(|&v| v < 128));
        let x = query_input(&line);
        prop_assert!(x.iter().all(|&v| (0..=62 * 32).contains(&v)));
        prop_assert_eq!(x.iter().map(|&v| i32::from(v)).sum::<i32>(), 32 * b.len() as i32);
    }

    #[test]
    fn context_never_panics_and_stays_in_range(bytes in proptest::collection::vec(any::<u8>(), 0..40)) {
        let mut w = START_WINDOW;
        for b in bytes {
            push_window(&mut w, b);
            let buckets = context_buckets(&w);
            prop_assert_eq!(buckets.len(), 21);
            prop_assert!(buckets.iter().all(|&v| v < 128));
            let x = context_input(&w);
            prop_assert!(x.iter().all(|&v| (0..=21 * 32).contains(&v)));
            prop_assert!(!w.iter().any(|c| c.is_ascii_uppercase()));
        }
    }
}
