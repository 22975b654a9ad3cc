//! Realistic callers: what they say, from which number.

use lumitalk_core::wrappers::SplitMix64;

/// One caller action at a listen.
#[derive(Debug, Clone)]
pub enum Step {
    /// Recognized speech.
    Speech(String),
    /// Keypad digits.
    Keys(String),
    /// Nothing heard.
    Silence,
}

/// A kind of call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Scenario {
    /// Asks by voice for an order, calling from the order's phone; then goodbye.
    VoiceStatus,
    /// Keys the order number from another phone, answers the postal-code challenge.
    KeypadVerified,
    /// Says the order number at the greeting from another phone (the assistant can
    /// look it up while classifying), answers the challenge, then goodbye.
    SpokenNumber,
    /// Asks for a person.
    Agent,
    /// Says nothing until the assistant gives up.
    Silence,
    /// Asks something the bot does not handle, then goodbye.
    Unknown,
}

impl Scenario {
    /// Every scenario.
    pub const ALL: [Scenario; 6] = [
        Scenario::VoiceStatus,
        Scenario::KeypadVerified,
        Scenario::SpokenNumber,
        Scenario::Agent,
        Scenario::Silence,
        Scenario::Unknown,
    ];

    /// Its name on the command line and in reports.
    pub fn name(self) -> &'static str {
        match self {
            Scenario::VoiceStatus => "voice_status",
            Scenario::KeypadVerified => "keypad_verified",
            Scenario::SpokenNumber => "spoken_number",
            Scenario::Agent => "agent",
            Scenario::Silence => "silence",
            Scenario::Unknown => "unknown",
        }
    }

    /// A concrete call of this kind.
    pub fn script(self, rng: &mut SplitMix64) -> Script {
        // Orders of the built-in demo store: (number, phone on the order, postal code).
        const ORDERS: [(&str, &str, &str); 6] = [
            ("1001", "+17145550142", "92618"),
            ("1002", "+12125550187", "10013"),
            ("1005", "+12065550111", "98103"),
            ("1008", "+15035550178", "97205"),
            ("1012", "+15125550155", "78704"),
            ("1013", "+13055550122", "33139"),
        ];
        let (number, phone, zip) = ORDERS[rng.up_to(ORDERS.len() as u64 - 1) as usize];
        let stranger = format!("+1408555{:04}", 1000 + rng.up_to(8999));
        let variant = match self {
            Scenario::VoiceStatus | Scenario::KeypadVerified | Scenario::SpokenNumber => number,
            _ => "",
        };
        let (caller, steps) = match self {
            Scenario::VoiceStatus => (
                phone.to_string(),
                vec![
                    Step::Speech(format!("where is my order {number}")),
                    Step::Speech("no that's all thank you".into()),
                ],
            ),
            Scenario::KeypadVerified => (
                stranger,
                vec![
                    Step::Speech("I want to check on my order".into()),
                    Step::Keys(number.into()),
                    Step::Speech(zip.chars().map(|c| format!("{c} ")).collect()),
                    Step::Speech("goodbye".into()),
                ],
            ),
            Scenario::SpokenNumber => (
                stranger,
                vec![
                    Step::Speech(format!("where is my order {number}")),
                    Step::Speech(zip.chars().map(|c| format!("{c} ")).collect()),
                    Step::Speech("no that's all thanks".into()),
                ],
            ),
            Scenario::Agent => (stranger, vec![Step::Speech("real person please".into())]),
            Scenario::Silence => (stranger, vec![Step::Silence, Step::Silence, Step::Silence]),
            Scenario::Unknown => (
                stranger,
                vec![
                    Step::Speech("what are your store hours".into()),
                    Step::Speech("goodbye".into()),
                ],
            ),
        };
        Script {
            caller,
            steps,
            variant,
        }
    }
}

/// The caller ID and the caller's actions.
#[derive(Debug, Clone)]
pub struct Script {
    /// Caller ID.
    pub caller: String,
    /// Actions at each listen.
    pub steps: Vec<Step>,
    /// What distinguishes calls of one scenario for the turn log: the demo order
    /// asked about, if any.
    pub variant: &'static str,
}

/// Scenario weights.
#[derive(Debug, Clone)]
pub struct ScenarioMix {
    weights: Vec<(Scenario, u64)>,
}

impl Default for ScenarioMix {
    fn default() -> Self {
        ScenarioMix {
            weights: vec![
                (Scenario::VoiceStatus, 25),
                (Scenario::KeypadVerified, 25),
                (Scenario::SpokenNumber, 10),
                (Scenario::Agent, 15),
                (Scenario::Silence, 10),
                (Scenario::Unknown, 15),
            ],
        }
    }
}

impl ScenarioMix {
    /// Parses `voice_status=35,agent=15,...`.
    pub fn parse(s: &str) -> Result<Self, String> {
        let mut weights = Vec::new();
        for part in s.split(',').filter(|p| !p.is_empty()) {
            let (name, w) = part
                .split_once('=')
                .ok_or(format!("`{part}`: expected name=weight"))?;
            let scenario = Scenario::ALL
                .into_iter()
                .find(|s| s.name() == name.trim())
                .ok_or(format!("unknown scenario `{name}`"))?;
            let w: u64 = w
                .trim()
                .parse()
                .map_err(|_| format!("`{w}`: not a weight"))?;
            weights.push((scenario, w));
        }
        if weights.iter().map(|(_, w)| w).sum::<u64>() == 0 {
            return Err("the mix has no weight".into());
        }
        Ok(ScenarioMix { weights })
    }

    /// Draws a scenario.
    pub fn pick(&self, rng: &mut SplitMix64) -> Scenario {
        let total: u64 = self.weights.iter().map(|(_, w)| w).sum();
        let mut x = rng.up_to(total.saturating_sub(1));
        for (s, w) in &self.weights {
            if x < *w {
                return *s;
            }
            x -= w;
        }
        self.weights[0].0
    }
}
