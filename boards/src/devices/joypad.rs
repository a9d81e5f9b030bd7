//! The joypad register P1/JOYP at 0xFF00 (Pan Docs "Joypad Input"). Bits 5 and 4 select the
//! button row (A B Select Start) and the D-pad row (Right Left Up Down); bits 3–0 read 0 for a
//! pressed key of a selected row. A new press on a selected row requests the joypad interrupt.

/// A joypad key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Button {
    Right,
    Left,
    Up,
    Down,
    A,
    B,
    Select,
    Start,
}

impl Button {
    /// (selects the button row, bit in the low nibble)
    fn line(self) -> (bool, u8) {
        match self {
            Button::Right => (false, 0),
            Button::Left => (false, 1),
            Button::Up => (false, 2),
            Button::Down => (false, 3),
            Button::A => (true, 0),
            Button::B => (true, 1),
            Button::Select => (true, 2),
            Button::Start => (true, 3),
        }
    }
}

/// Interrupt request bit for the joypad (IF bit 4).
pub const IRQ_JOYPAD: u8 = 0x10;

#[derive(Debug, Default)]
pub struct Joypad {
    select: u8,
    dpad: u8,
    buttons: u8,
}

impl Joypad {
    pub fn new() -> Self {
        Joypad {
            select: 0x30,
            dpad: 0,
            buttons: 0,
        }
    }

    pub fn read(&self) -> u8 {
        let mut pressed = 0;
        if self.select & 0x10 == 0 {
            pressed |= self.dpad;
        }
        if self.select & 0x20 == 0 {
            pressed |= self.buttons;
        }
        0xC0 | self.select | (!pressed & 0x0F)
    }

    pub fn write(&mut self, v: u8) {
        self.select = v & 0x30;
    }

    /// Presses or releases `b`; returns the interrupt request raised (IF bits).
    pub fn set(&mut self, b: Button, down: bool) -> u8 {
        let before = self.read();
        let (button_row, bit) = b.line();
        let row = if button_row {
            &mut self.buttons
        } else {
            &mut self.dpad
        };
        if down {
            *row |= 1 << bit;
        } else {
            *row &= !(1 << bit);
        }
        // A high-to-low transition on any input line requests the interrupt.
        if before & !self.read() & 0x0F != 0 {
            IRQ_JOYPAD
        } else {
            0
        }
    }
}
