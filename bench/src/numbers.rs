//! Reading a file of card numbers (one per line, as `iotcard sim
//! --list-numbers` writes them).

use std::path::Path;

use iotcard_facade::CardNumber;

use crate::error::BenchError;

/// The non-blank lines of `path`, trimmed, as text.
pub fn read_text(path: &Path) -> Result<Vec<String>, BenchError> {
    let text = std::fs::read_to_string(path).map_err(|source| BenchError::Read {
        path: path.to_owned(),
        source,
    })?;
    Ok(text
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .map(str::to_owned)
        .collect())
}

/// The numbers of `path`, each checked.
pub fn read_checked(path: &Path) -> Result<Vec<CardNumber>, BenchError> {
    let text = std::fs::read_to_string(path).map_err(|source| BenchError::Read {
        path: path.to_owned(),
        source,
    })?;
    text.lines()
        .enumerate()
        .map(|(i, line)| (i, line.trim()))
        .filter(|(_, line)| !line.is_empty())
        .map(|(i, line)| {
            CardNumber::parse(line).map_err(|source| BenchError::BadNumber {
                path: path.to_owned(),
                line: i + 1,
                text: line.to_owned(),
                source,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blank_lines_are_skipped_and_bad_numbers_named() {
        let dir =
            std::env::temp_dir().join(format!("iotcard-bench-numbers-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("n.txt");
        std::fs::write(&path, "1064042950930\n\n 1064803126727 \n").unwrap();
        assert_eq!(
            read_text(&path).unwrap(),
            ["1064042950930", "1064803126727"]
        );
        assert_eq!(read_checked(&path).unwrap().len(), 2);
        std::fs::write(&path, "1064042950930\n10640x\n").unwrap();
        let e = read_checked(&path).unwrap_err().to_string();
        assert!(e.contains("line 2") && e.contains("10640x"), "{e}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
