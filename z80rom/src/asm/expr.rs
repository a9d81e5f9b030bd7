//! Expressions: parsing (C-like precedence) and evaluation over 64-bit integers.
//!
//! Precedence, loosest first: `||`, `&&`, `|`, `^`, `&`, `== !=` (`=` and `<>` too),
//! `< <= > >=`, `<< >>`, `+ -`, `* / %`, then unary `- + ~ !`. Operands: numbers, one-byte
//! strings (`'c'`), `$`, symbols (`.local` is qualified with the enclosing global label),
//! `( ... )` and the functions `low(x)`, `high(x)`, `bank(label)`, `defined(name)`.
//! Comparisons and logical operators give 1 or 0. Arithmetic wraps; `/ 0` is an error.

use super::lexer::{Punct, Tok};

#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    Num(i64),
    Sym(Box<str>),
    Here,
    Un(UnOp, Box<Expr>),
    Bin(BinOp, Box<Expr>, Box<Expr>),
    Fn(Func, Box<Expr>),
    /// `defined(name)`: takes a name, not a value.
    Defined(Box<str>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnOp {
    Neg,
    Not,
    LNot,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinOp {
    Add,
    Sub,
    Mul,
    Div,
    Mod,
    And,
    Or,
    Xor,
    Shl,
    Shr,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    LAnd,
    LOr,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Func {
    Low,
    High,
    Bank,
}

/// Why an expression has no value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EvalErr {
    Undefined(String),
    Msg(String),
}

impl std::fmt::Display for EvalErr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            EvalErr::Undefined(s) => write!(f, "undefined symbol '{s}'"),
            EvalErr::Msg(m) => f.write_str(m),
        }
    }
}

/// What an expression can ask about the world.
pub trait Env {
    /// The current logical address (`$`).
    fn here(&self) -> i64;
    /// A symbol's value and bank (names starting with `.` are still unqualified).
    fn lookup(&self, name: &str) -> Result<(i64, Option<u32>), EvalErr>;
    /// `defined(name)`.
    fn defined(&self, name: &str) -> bool;
}

const MAX_DEPTH: usize = 64;
const MAX_NODES: usize = 2000;

/// A recursive-descent parser over a token slice.
pub struct Parser<'t, 'a> {
    pub toks: &'t [Tok<'a>],
    pub pos: usize,
    depth: usize,
    nodes: usize,
}

impl<'t, 'a> Parser<'t, 'a> {
    pub fn new(toks: &'t [Tok<'a>]) -> Self {
        Parser {
            toks,
            pos: 0,
            depth: 0,
            nodes: 0,
        }
    }

    pub fn peek(&self) -> Option<&'t Tok<'a>> {
        self.toks.get(self.pos)
    }

    fn peek_p(&self) -> Option<Punct> {
        match self.peek() {
            Some(Tok::P(p)) => Some(*p),
            _ => None,
        }
    }

    /// Parses one full expression.
    pub fn expr(&mut self) -> Result<Expr, String> {
        self.binary(0)
    }

    /// The binary operator at the cursor and its precedence (0 binds loosest).
    fn binop(&self) -> Option<(BinOp, u8)> {
        Some(match self.peek_p()? {
            Punct::OrOr => (BinOp::LOr, 0),
            Punct::AndAnd => (BinOp::LAnd, 1),
            Punct::Pipe => (BinOp::Or, 2),
            Punct::Caret => (BinOp::Xor, 3),
            Punct::Amp => (BinOp::And, 4),
            Punct::EqEq | Punct::Assign => (BinOp::Eq, 5),
            Punct::Ne => (BinOp::Ne, 5),
            Punct::Lt => (BinOp::Lt, 6),
            Punct::Le => (BinOp::Le, 6),
            Punct::Gt => (BinOp::Gt, 6),
            Punct::Ge => (BinOp::Ge, 6),
            Punct::Shl => (BinOp::Shl, 7),
            Punct::Shr => (BinOp::Shr, 7),
            Punct::Plus => (BinOp::Add, 8),
            Punct::Minus => (BinOp::Sub, 8),
            Punct::Star => (BinOp::Mul, 9),
            Punct::Slash => (BinOp::Div, 9),
            Punct::Percent => (BinOp::Mod, 9),
            _ => return None,
        })
    }

    /// Precedence climbing: operators at `min` or tighter, left-associative.
    fn binary(&mut self, min: u8) -> Result<Expr, String> {
        let mut lhs = self.unary()?;
        while let Some((op, prec)) = self.binop() {
            if prec < min {
                break;
            }
            self.pos += 1;
            let rhs = self.binary(prec + 1)?;
            self.count()?;
            lhs = Expr::Bin(op, Box::new(lhs), Box::new(rhs));
        }
        Ok(lhs)
    }

    fn count(&mut self) -> Result<(), String> {
        self.nodes += 1;
        if self.nodes > MAX_NODES {
            return Err("expression too long".into());
        }
        Ok(())
    }

    fn unary(&mut self) -> Result<Expr, String> {
        let op = match self.peek_p() {
            Some(Punct::Minus) => Some(UnOp::Neg),
            Some(Punct::Tilde) => Some(UnOp::Not),
            Some(Punct::Bang) => Some(UnOp::LNot),
            Some(Punct::Plus) => None,
            _ => return self.atom(),
        };
        self.pos += 1;
        self.enter()?;
        let e = self.unary()?;
        self.depth -= 1;
        self.count()?;
        Ok(match (op, e) {
            (None, e) => e,
            (Some(UnOp::Neg), Expr::Num(n)) => Expr::Num(n.wrapping_neg()),
            (Some(op), e) => Expr::Un(op, Box::new(e)),
        })
    }

    fn enter(&mut self) -> Result<(), String> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err("expression nested too deeply".into());
        }
        Ok(())
    }

    fn expect(&mut self, p: Punct, what: &str) -> Result<(), String> {
        if self.peek_p() == Some(p) {
            self.pos += 1;
            Ok(())
        } else {
            Err(format!("expected {what}"))
        }
    }

    fn atom(&mut self) -> Result<Expr, String> {
        self.count()?;
        let t = self.peek().ok_or("missing value at end of expression")?;
        self.pos += 1;
        match t {
            Tok::Num(n) => Ok(Expr::Num(*n)),
            Tok::Dollar => Ok(Expr::Here),
            Tok::Str(s) if s.len() == 1 => Ok(Expr::Num(s[0] as i64)),
            Tok::Str(s) if s.len() == 2 => Ok(Expr::Num(((s[0] as i64) << 8) | s[1] as i64)),
            Tok::Str(_) => Err("a string is not a number here (use one character)".into()),
            Tok::P(Punct::LParen) => {
                self.enter()?;
                let e = self.expr()?;
                self.depth -= 1;
                self.expect(Punct::RParen, "')'")?;
                Ok(e)
            }
            Tok::Ident(name) => {
                if self.peek_p() == Some(Punct::LParen) {
                    let f = match name.to_ascii_lowercase().as_str() {
                        "low" => Some(Func::Low),
                        "high" => Some(Func::High),
                        "bank" => Some(Func::Bank),
                        "defined" => None,
                        _ => return Ok(Expr::Sym((*name).into())),
                    };
                    self.pos += 1;
                    let e = match f {
                        Some(f) => {
                            self.enter()?;
                            let arg = self.expr()?;
                            self.depth -= 1;
                            Expr::Fn(f, Box::new(arg))
                        }
                        None => match self.peek() {
                            Some(Tok::Ident(n)) => {
                                self.pos += 1;
                                Expr::Defined((*n).into())
                            }
                            _ => return Err("defined() takes a symbol name".into()),
                        },
                    };
                    self.expect(Punct::RParen, "')' after function argument")?;
                    return Ok(e);
                }
                Ok(Expr::Sym((*name).into()))
            }
            Tok::P(p) => Err(format!("unexpected '{}' in expression", punct_str(*p))),
        }
    }
}

pub fn punct_str(p: Punct) -> &'static str {
    use Punct::*;
    match p {
        Plus => "+",
        Minus => "-",
        Star => "*",
        Slash => "/",
        Percent => "%",
        Amp => "&",
        Pipe => "|",
        Caret => "^",
        Tilde => "~",
        Bang => "!",
        Shl => "<<",
        Shr => ">>",
        Lt => "<",
        Gt => ">",
        Le => "<=",
        Ge => ">=",
        EqEq => "==",
        Ne => "!=",
        Assign => "=",
        AndAnd => "&&",
        OrOr => "||",
        LParen => "(",
        RParen => ")",
        LBrack => "[",
        RBrack => "]",
        Comma => ",",
        Colon => ":",
        Hash => "#",
    }
}

/// Evaluates `e`; an undefined symbol stops evaluation with [`EvalErr::Undefined`].
pub fn eval(e: &Expr, env: &dyn Env) -> Result<i64, EvalErr> {
    Ok(match e {
        Expr::Num(n) => *n,
        Expr::Here => env.here(),
        Expr::Sym(s) => env.lookup(s)?.0,
        Expr::Defined(s) => env.defined(s) as i64,
        Expr::Un(op, a) => {
            let a = eval(a, env)?;
            match op {
                UnOp::Neg => a.wrapping_neg(),
                UnOp::Not => !a,
                UnOp::LNot => (a == 0) as i64,
            }
        }
        Expr::Fn(f, a) => match f {
            Func::Low => eval(a, env)? & 0xFF,
            Func::High => (eval(a, env)? >> 8) & 0xFF,
            Func::Bank => match &**a {
                Expr::Sym(s) => env.lookup(s)?.1.unwrap_or(0) as i64,
                _ => return Err(EvalErr::Msg("bank() takes a label".into())),
            },
        },
        Expr::Bin(op, a, b) => {
            let x = eval(a, env)?;
            let y = eval(b, env)?;
            match op {
                BinOp::Add => x.wrapping_add(y),
                BinOp::Sub => x.wrapping_sub(y),
                BinOp::Mul => x.wrapping_mul(y),
                BinOp::Div | BinOp::Mod if y == 0 => {
                    return Err(EvalErr::Msg("division by zero".into()))
                }
                BinOp::Div => x.wrapping_div(y),
                BinOp::Mod => x.wrapping_rem(y),
                BinOp::And => x & y,
                BinOp::Or => x | y,
                BinOp::Xor => x ^ y,
                BinOp::Shl => {
                    if (0..64).contains(&y) {
                        x.wrapping_shl(y as u32)
                    } else {
                        0
                    }
                }
                BinOp::Shr => {
                    if (0..64).contains(&y) {
                        x >> y
                    } else if x < 0 {
                        -1
                    } else {
                        0
                    }
                }
                BinOp::Eq => (x == y) as i64,
                BinOp::Ne => (x != y) as i64,
                BinOp::Lt => (x < y) as i64,
                BinOp::Le => (x <= y) as i64,
                BinOp::Gt => (x > y) as i64,
                BinOp::Ge => (x >= y) as i64,
                BinOp::LAnd => (x != 0 && y != 0) as i64,
                BinOp::LOr => (x != 0 || y != 0) as i64,
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::super::lexer::lex;
    use super::*;

    struct E;
    impl Env for E {
        fn here(&self) -> i64 {
            0x8000
        }
        fn lookup(&self, name: &str) -> Result<(i64, Option<u32>), EvalErr> {
            match name {
                "ten" => Ok((10, None)),
                "far" => Ok((0x4123, Some(3))),
                _ => Err(EvalErr::Undefined(name.into())),
            }
        }
        fn defined(&self, name: &str) -> bool {
            name == "ten"
        }
    }

    fn ev(s: &str) -> Result<i64, String> {
        let mut t = Vec::new();
        lex(s, &mut t)?;
        let mut p = Parser::new(&t);
        let e = p.expr()?;
        if p.pos != t.len() {
            return Err("trailing".into());
        }
        eval(&e, &E).map_err(|e| e.to_string())
    }

    #[test]
    fn precedence_and_operators() {
        assert_eq!(ev("1+2*3").unwrap(), 7);
        assert_eq!(ev("(1+2)*3").unwrap(), 9);
        assert_eq!(ev("-2*-3").unwrap(), 6);
        assert_eq!(ev("1<<4|1").unwrap(), 17);
        assert_eq!(ev("17 % 5 + 7/2").unwrap(), 5);
        assert_eq!(ev("~0 & 0xFF").unwrap(), 255);
        assert_eq!(ev("0x0F ^ 0xFF").unwrap(), 0xF0);
        assert_eq!(ev("3 > 2 && 2 >= 2 || 0").unwrap(), 1);
        assert_eq!(ev("1 == 2").unwrap(), 0);
        assert_eq!(ev("ten = 10").unwrap(), 1);
        assert_eq!(ev("!0 + !5").unwrap(), 1);
        assert_eq!(ev("10 - 3 - 2").unwrap(), 5);
        assert_eq!(ev("256 >> 4 << 1").unwrap(), 32);
        assert_eq!(ev("1 << 100").unwrap(), 0);
    }

    #[test]
    fn atoms_and_functions() {
        assert_eq!(ev("$ + 2").unwrap(), 0x8002);
        assert_eq!(ev("'A' + 1").unwrap(), 66);
        assert_eq!(ev("low(0x1234) + high(0x1234)").unwrap(), 0x34 + 0x12);
        assert_eq!(ev("bank(far)").unwrap(), 3);
        assert_eq!(ev("bank(ten)").unwrap(), 0);
        assert_eq!(ev("defined(ten) + defined(nope)").unwrap(), 1);
        assert_eq!(ev("nope + 1").unwrap_err(), "undefined symbol 'nope'");
        assert_eq!(ev("1/0").unwrap_err(), "division by zero");
        assert!(ev("(1+2").is_err());
        assert!(ev("1+").is_err());
        assert!(ev(&"(".repeat(100)).is_err());
        assert!(ev(&"1+".repeat(3000)).is_err());
    }
}
