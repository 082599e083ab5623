//! Three-valued answers: yes, no, or "can't tell" with the reason (a condition gatecheck
//! cannot see, an address not given). Resource policies and web ACLs decide in these.

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Tri {
    Yes,
    No,
    /// Can't tell, and why.
    Maybe(String),
}

impl Tri {
    pub fn from_bool(b: bool) -> Tri {
        if b {
            Tri::Yes
        } else {
            Tri::No
        }
    }

    /// All must hold: a No decides; else a Maybe; else Yes.
    pub fn all(items: impl IntoIterator<Item = Tri>) -> Tri {
        let mut maybe = None;
        for item in items {
            match item {
                Tri::No => return Tri::No,
                Tri::Maybe(why) => maybe = maybe.or(Some(why)),
                Tri::Yes => {}
            }
        }
        maybe.map_or(Tri::Yes, Tri::Maybe)
    }

    /// One must hold: a Yes decides; else a Maybe; else No.
    pub fn any(items: impl IntoIterator<Item = Tri>) -> Tri {
        let mut maybe = None;
        for item in items {
            match item {
                Tri::Yes => return Tri::Yes,
                Tri::Maybe(why) => maybe = maybe.or(Some(why)),
                Tri::No => {}
            }
        }
        maybe.map_or(Tri::No, Tri::Maybe)
    }
}

impl std::ops::Not for Tri {
    type Output = Tri;

    fn not(self) -> Tri {
        match self {
            Tri::Yes => Tri::No,
            Tri::No => Tri::Yes,
            maybe => maybe,
        }
    }
}
