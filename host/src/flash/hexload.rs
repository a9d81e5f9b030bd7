//! Loading through a ROM monitor that accepts Intel HEX at its prompt (the Small Computer
//! Monitor on RC2014 Classic boards): the image becomes Intel HEX data records (16 bytes each,
//! via the `ihex` crate) sent one line at a time, each paced by the monitor's reply, then a
//! `G addr` command starts it.

use std::time::Duration;

use embedded_io::{ErrorType, Read, ReadReady, Write};
use ihex::Record;

use super::link::{Clock, Link, LinkError};
use super::progress::Progress;

/// Intel HEX text for `data` loaded at `origin` (16-byte records, end-of-file record).
pub fn to_hex(origin: u16, data: &[u8]) -> Result<String, ihex::WriterError> {
    let mut records: Vec<Record> = data
        .chunks(16)
        .enumerate()
        .map(|(i, c)| Record::Data {
            offset: origin.wrapping_add((i * 16) as u16),
            value: c.to_vec(),
        })
        .collect();
    records.push(Record::EndOfFile);
    ihex::create_object_file_representation(&records)
}

/// Send `hex` line by line (CR after each), waiting up to `line_timeout` for the monitor to
/// answer each line, then `G origin` if `run` is set. Returns what the monitor printed.
pub fn send_hex<P, C>(
    link: &mut Link<P, C>,
    hex: &str,
    run: Option<u16>,
    line_timeout: Duration,
    progress: &mut dyn Progress,
) -> Result<String, LinkError>
where
    P: Read + Write + ReadReady + ErrorType,
    P::Error: std::fmt::Debug,
    C: Clock,
{
    let mut said = Vec::new();
    let lines: Vec<&str> = hex.lines().collect();
    progress.init(hex.len());
    let mut done = 0;
    for line in &lines {
        link.send(line.as_bytes())?;
        link.send(b"\r")?;
        // The monitor echoes or acknowledges each record; wait for its line end (or silence).
        while let Some(b) = link.read_byte(line_timeout)? {
            said.push(b);
            if b == b'\n' {
                break;
            }
        }
        done += line.len() + 1;
        progress.update(done);
    }
    if let Some(addr) = run {
        link.send(format!("G {addr:04X}\r").as_bytes())?;
    }
    progress.finish();
    Ok(String::from_utf8_lossy(&said).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_round_trip_through_the_ihex_reader() {
        let data: Vec<u8> = (0..40u8).collect();
        let text = to_hex(0x8000, &data).unwrap();
        let mut got = Vec::new();
        for rec in ihex::Reader::new(&text) {
            match rec.unwrap() {
                Record::Data { offset, value } => {
                    assert_eq!(offset as usize, 0x8000 + got.len());
                    got.extend(value);
                }
                Record::EndOfFile => break,
                other => panic!("{other:?}"),
            }
        }
        assert_eq!(got, data);
        assert_eq!(text.lines().count(), 4);
    }
}
