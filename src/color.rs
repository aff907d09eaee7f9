//! The palette: named styles decided once per output stream. A disabled
//! palette returns text unchanged, so rendering code never asks whether color
//! is on. Color names are Python gita's (`red`, `b_red`, `purple`, …).

use owo_colors::{OwoColorize, Style};

use crate::keys::ColorName;

/// The style of a color name.
pub fn style(name: ColorName) -> Style {
    let s = Style::new();
    match name {
        ColorName::Black => s.black(),
        ColorName::Red => s.red(),
        ColorName::Green => s.green(),
        ColorName::Yellow => s.yellow(),
        ColorName::Blue => s.blue(),
        ColorName::Purple => s.magenta(),
        ColorName::Cyan => s.cyan(),
        ColorName::White => s.white(),
        ColorName::BBlack => s.black().bold(),
        ColorName::BRed => s.red().bold(),
        ColorName::BGreen => s.green().bold(),
        ColorName::BYellow => s.yellow().bold(),
        ColorName::BBlue => s.blue().bold(),
        ColorName::BPurple => s.magenta().bold(),
        ColorName::BCyan => s.cyan().bold(),
        ColorName::BWhite => s.white().bold(),
        ColorName::Underline => s.underline(),
        ColorName::End => s,
    }
}

#[derive(Debug, Clone, Copy)]
pub struct Palette {
    on: bool,
}

impl Palette {
    pub fn new(on: bool) -> Palette {
        Palette { on }
    }

    /// `text` in the named color.
    pub fn paint(&self, text: &str, color: ColorName) -> String {
        self.styled(text, style(color))
    }

    pub fn styled(&self, text: &str, style: Style) -> String {
        if self.on {
            text.style(style).to_string()
        } else {
            text.to_string()
        }
    }

    pub fn heading(&self, text: &str) -> String {
        self.styled(text, Style::new().underline())
    }

    pub fn error(&self, text: &str) -> String {
        self.styled(text, Style::new().red().bold())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn disabled_palette_is_plain() {
        assert_eq!(Palette::new(false).paint("x", ColorName::Red), "x");
    }

    #[test]
    fn enabled_palette_emits_ansi() {
        assert_eq!(
            Palette::new(true).paint("x", ColorName::Red),
            "\x1b[31mx\x1b[0m"
        );
        assert_eq!(
            Palette::new(true).paint("x", ColorName::BGreen),
            "\x1b[32;1mx\x1b[0m"
        );
    }
}
