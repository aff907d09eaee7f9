//! The palette: named styles decided once per output stream. A disabled
//! palette returns text unchanged, so rendering code never asks whether color
//! is on. Color names are Python gita's (`red`, `b_red`, `purple`, …).

use owo_colors::{OwoColorize, Style};

/// Every color name `gita color set` accepts, in display order.
pub const NAMES: [&str; 16] = [
    "black", "red", "green", "yellow", "blue", "purple", "cyan", "white", "b_black", "b_red",
    "b_green", "b_yellow", "b_blue", "b_purple", "b_cyan", "b_white",
];

/// The style for a color name; unknown names get no style.
pub fn style(name: &str) -> Style {
    let (bold, base) = match name.strip_prefix("b_") {
        Some(base) => (true, base),
        None => (false, name),
    };
    let s = Style::new();
    let s = match base {
        "black" => s.black(),
        "red" => s.red(),
        "green" => s.green(),
        "yellow" => s.yellow(),
        "blue" => s.blue(),
        "purple" => s.magenta(),
        "cyan" => s.cyan(),
        "white" => s.white(),
        _ => s,
    };
    if bold { s.bold() } else { s }
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
    pub fn paint(&self, text: &str, color: &str) -> String {
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
        assert_eq!(Palette::new(false).paint("x", "red"), "x");
    }

    #[test]
    fn enabled_palette_emits_ansi() {
        assert_eq!(Palette::new(true).paint("x", "red"), "\x1b[31mx\x1b[0m");
        assert_eq!(
            Palette::new(true).paint("x", "b_green"),
            "\x1b[32;1mx\x1b[0m"
        );
    }
}
