//! The flows in `kb-content/flows/` are valid, their translations match, and random walks
//! through them always end at an outcome that replays. The files are embedded so that the same
//! tests run compiled to wasm, without a filesystem.

use std::collections::{BTreeMap, BTreeSet};

use super::definition::{Flow, InputType, Node};
use super::engine::{
    Answer, AnswerError, FlowRun, RecordedAnswer, ReplayError, Step, pattern_example, replay,
};
use super::validate::{compare_translations, max_steps, validate};
#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

/// Every flow file: (locale, id, contents).
const FLOW_FILES: [(&str, &str, &str); 10] = [
    (
        "en",
        "billing-question",
        include_str!("../../../kb-content/flows/en/billing-question.toml"),
    ),
    (
        "en",
        "device-reset",
        include_str!("../../../kb-content/flows/en/device-reset.toml"),
    ),
    (
        "en",
        "hub-connectivity",
        include_str!("../../../kb-content/flows/en/hub-connectivity.toml"),
    ),
    (
        "en",
        "login-password",
        include_str!("../../../kb-content/flows/en/login-password.toml"),
    ),
    (
        "en",
        "order-problem",
        include_str!("../../../kb-content/flows/en/order-problem.toml"),
    ),
    (
        "de",
        "billing-question",
        include_str!("../../../kb-content/flows/de/billing-question.toml"),
    ),
    (
        "de",
        "device-reset",
        include_str!("../../../kb-content/flows/de/device-reset.toml"),
    ),
    (
        "de",
        "hub-connectivity",
        include_str!("../../../kb-content/flows/de/hub-connectivity.toml"),
    ),
    (
        "de",
        "login-password",
        include_str!("../../../kb-content/flows/de/login-password.toml"),
    ),
    (
        "de",
        "order-problem",
        include_str!("../../../kb-content/flows/de/order-problem.toml"),
    ),
];

/// Random walks per flow file.
const SEEDS: u64 = 500;

fn flows() -> Vec<(&'static str, Flow)> {
    FLOW_FILES
        .iter()
        .map(|(locale, id, text)| {
            let mut flow: Flow =
                toml::from_str(text).unwrap_or_else(|e| panic!("{locale}/{id}.toml: {e}"));
            flow.id = (*id).to_owned();
            (*locale, flow)
        })
        .collect()
}

#[test]
fn every_flow_in_kb_content_validates_without_issues() {
    for (locale, flow) in flows() {
        let issues = validate(&flow);
        assert!(
            issues.is_empty(),
            "{locale}/{}.toml:\n{}",
            flow.id,
            issues
                .iter()
                .map(|i| format!("  {i}\n"))
                .collect::<String>()
        );
    }
}

#[test]
fn every_flow_has_an_english_original_and_a_german_translation_of_the_same_shape() {
    let all = flows();
    let english: BTreeMap<&str, &Flow> = all
        .iter()
        .filter(|(l, _)| *l == "en")
        .map(|(_, f)| (f.id.as_str(), f))
        .collect();
    let german: BTreeMap<&str, &Flow> = all
        .iter()
        .filter(|(l, _)| *l == "de")
        .map(|(_, f)| (f.id.as_str(), f))
        .collect();
    assert_eq!(
        english.keys().collect::<Vec<_>>(),
        german.keys().collect::<Vec<_>>()
    );
    for (id, original) in &english {
        let issues = compare_translations(original, german[id]);
        assert!(issues.is_empty(), "de/{id}.toml: {issues:?}");
        assert_ne!(
            original.title, german[id].title,
            "de/{id}.toml is not translated"
        );
    }
}

#[test]
fn every_flow_is_a_realistic_mix_of_node_kinds() {
    for (locale, flow) in flows() {
        let kinds: BTreeSet<&str> = flow.nodes.iter().map(Node::kind).collect();
        assert!(
            (8..=20).contains(&flow.nodes.len()),
            "{locale}/{}: {} nodes",
            flow.id,
            flow.nodes.len()
        );
        for kind in [
            "question",
            "message",
            "check",
            "condition",
            "handoff",
            "article",
            "input",
        ] {
            assert!(
                kinds.contains(kind),
                "{locale}/{} has no {kind} node",
                flow.id
            );
        }
    }
}

/// splitmix64: a small deterministic generator, the same on every target.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

fn random_context(rng: &mut Rng) -> BTreeMap<String, String> {
    let mut context = BTreeMap::new();
    if let Some(plan) = rng.pick(&[None, Some("free"), Some("plus"), Some("business")]) {
        context.insert("plan".to_owned(), (*plan).to_owned());
    }
    if rng.chance(30) {
        context.insert("page".to_owned(), "/support".to_owned());
    }
    context
}

/// An answer for the node shown: mostly valid, sometimes not.
fn random_answer(rng: &mut Rng, node: &Node) -> Answer {
    let junk = rng.chance(10);
    match node {
        Node::Message(_) => Answer::Continue,
        Node::Question(q) if junk => Answer::Choice(format!("{}-nope", q.id)),
        Node::Question(q) => Answer::Choice(rng.pick(&q.choices).id.clone()),
        Node::Check(_) => Answer::Check(rng.chance(50)),
        Node::Input(_) if junk => Answer::Text(
            rng.pick(&["", "x", "-5", "NB-1", "a@", "1e999", "  "])
                .to_string(),
        ),
        Node::Input(input) if !input.required && rng.chance(10) => Answer::Text(String::new()),
        Node::Input(input) => match input.input {
            InputType::Select => Answer::Choice(rng.pick(&input.options).id.clone()),
            InputType::Email => Answer::Text(format!("customer{}@example.com", rng.below(1000))),
            InputType::Number => {
                let min = input.min.unwrap_or(0.0);
                let max = input.max.unwrap_or(min + 1000.0);
                let value = min + (max - min) * (rng.below(1001) as f64 / 1000.0);
                Answer::Text(format!("{value:.2}"))
            }
            InputType::Text => match &input.pattern {
                Some(pattern) => Answer::Text(
                    pattern_example(pattern)
                        .chars()
                        .map(|c| {
                            if c.is_ascii_digit() {
                                char::from(b'0' + rng.below(10) as u8)
                            } else {
                                c
                            }
                        })
                        .collect(),
                ),
                None => {
                    let min = input.min_length.unwrap_or(1).max(1);
                    let max = input.max_length.unwrap_or(min + 30).max(min);
                    let len = min + rng.below(max - min + 1);
                    let text = (0..len).map(|i| if i % 5 == 4 && i + 1 < len { ' ' } else { 'x' });
                    Answer::Text(text.collect())
                }
            },
        },
        Node::Condition(_) | Node::Resolved(_) | Node::Handoff(_) | Node::Article(_) => {
            panic!("the engine showed a {} node", node.kind())
        }
    }
}

/// Walks a flow at random until an outcome; checks the engine's invariants on the way.
/// Returns the context, the recorded answers and the outcome node id.
fn random_walk(flow: &Flow, seed: u64) -> (BTreeMap<String, String>, Vec<RecordedAnswer>, String) {
    let mut rng = Rng(seed);
    let context = random_context(&mut rng);
    let bound = max_steps(flow);
    let mut run = FlowRun::start(flow, &context).expect("a valid flow starts");
    let mut detours = 0;
    let mut moves = 0;
    loop {
        moves += 1;
        assert!(
            moves < 50 * (bound + 1),
            "{} seed {seed}: the walk does not end",
            flow.id
        );
        let progress = run.step().progress();
        assert!(
            progress.steps_taken <= bound,
            "{} seed {seed}: {progress:?} beyond {bound}",
            flow.id
        );
        assert!(
            progress.steps_taken + progress.remaining_max <= bound,
            "{} seed {seed}: {progress:?} beyond {bound}",
            flow.id
        );
        let node = match run.step() {
            Step::Finished { outcome, .. } => {
                let outcome = outcome.node_id.clone();
                return (context, run.recorded_answers(), outcome);
            }
            Step::Show { node, .. } => node.clone(),
        };
        if detours < 4 && rng.chance(6) {
            detours += 1;
            let before = progress.steps_taken;
            if rng.chance(25) {
                assert_eq!(run.restart().progress().steps_taken, 0);
            } else {
                assert_eq!(run.back().progress().steps_taken, before.saturating_sub(1));
            }
            continue;
        }
        let answer = random_answer(&mut rng, &node);
        let before = (run.step().clone(), run.path().to_vec());
        match run.answer(answer.clone()) {
            Ok(step) => assert_eq!(&step, run.step()),
            Err(AnswerError::Broken(broken)) => panic!("{} seed {seed}: {broken}", flow.id),
            Err(_) => {
                assert_eq!(
                    (run.step().clone(), run.path().to_vec()),
                    before,
                    "a rejected answer changed the run"
                );
            }
        }
    }
}

#[test]
fn random_walks_always_reach_an_outcome_within_max_steps_answers() {
    for (locale, flow) in flows() {
        let bound = max_steps(&flow);
        for seed in 0..SEEDS {
            let (_, answers, _) = random_walk(&flow, seed);
            assert!(
                answers.len() <= bound,
                "{locale}/{} seed {seed}: {} answers",
                flow.id,
                answers.len()
            );
        }
    }
}

#[test]
fn random_walks_reach_every_outcome_of_every_flow() {
    for (locale, flow) in flows() {
        let mut missing: BTreeSet<String> = flow
            .nodes
            .iter()
            .filter(|n| n.is_outcome())
            .map(|n| n.id().to_owned())
            .collect();
        let mut seed = 0;
        while !missing.is_empty() && seed < 20 * SEEDS {
            missing.remove(&random_walk(&flow, seed).2);
            seed += 1;
        }
        assert!(
            missing.is_empty(),
            "{locale}/{}: no walk reached {missing:?}",
            flow.id
        );
    }
}

#[test]
fn replaying_a_recorded_path_gives_the_same_outcome() {
    for (locale, flow) in flows() {
        for seed in 0..SEEDS {
            let (context, answers, outcome) = random_walk(&flow, seed);
            let replayed = replay(&flow, &context, &answers)
                .unwrap_or_else(|e| panic!("{locale}/{} seed {seed}: {e}", flow.id));
            assert_eq!(replayed.node_id, outcome);
        }
    }
}

#[test]
fn a_tampered_path_is_rejected_by_replay() {
    for (locale, flow) in flows() {
        for seed in 0..SEEDS {
            let (context, answers, _) = random_walk(&flow, seed);
            let mut rng = Rng(seed ^ 0xDEAD_BEEF);
            let at = rng.below(answers.len());
            let name = format!("{locale}/{} seed {seed}", flow.id);

            let mut renamed = answers.clone();
            renamed[at].node_id = "somewhere-else".into();
            assert!(
                matches!(replay(&flow, &context, &renamed), Err(ReplayError::WrongNode { step, .. }) if step == at + 1),
                "{name}"
            );

            let mut shortened = answers.clone();
            shortened.pop();
            assert!(
                matches!(
                    replay(&flow, &context, &shortened),
                    Err(ReplayError::Unfinished { .. })
                ),
                "{name}"
            );

            let mut extended = answers.clone();
            extended.push(RecordedAnswer {
                node_id: "done".into(),
                answer: Answer::Continue,
            });
            assert!(
                matches!(
                    replay(&flow, &context, &extended),
                    Err(ReplayError::AfterOutcome { .. })
                ),
                "{name}"
            );

            if let Some(choice) = answers
                .iter()
                .position(|a| matches!(a.answer, Answer::Choice(_)))
            {
                let mut forged = answers.clone();
                forged[choice].answer = Answer::Choice("forged".into());
                assert!(
                    matches!(replay(&flow, &context, &forged), Err(ReplayError::Rejected { step, .. }) if step == choice + 1),
                    "{name}"
                );
            }
        }
    }
}

/// Native only: the embedded list is complete and every linked article exists.
#[cfg(not(target_arch = "wasm32"))]
#[test]
fn the_embedded_list_names_every_flow_file_and_every_linked_article_exists() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../kb-content");
    let mut on_disk = BTreeSet::new();
    for locale in std::fs::read_dir(root.join("flows")).expect("kb-content/flows") {
        let locale = locale.expect("entry").path();
        for file in std::fs::read_dir(&locale).expect("locale folder") {
            let file = file.expect("entry").path();
            let name = |p: &std::path::Path| {
                p.file_stem()
                    .and_then(|s| s.to_str())
                    .unwrap_or_default()
                    .to_owned()
            };
            on_disk.insert((name(&locale), name(&file)));
        }
    }
    let embedded: BTreeSet<(String, String)> = FLOW_FILES
        .iter()
        .map(|(l, id, _)| ((*l).to_owned(), (*id).to_owned()))
        .collect();
    assert_eq!(on_disk, embedded, "update FLOW_FILES");
    for (locale, flow) in flows() {
        for (node, slug) in flow.article_links() {
            let article = root.join("articles/en").join(format!("{slug}.md"));
            assert!(
                article.is_file(),
                "{locale}/{}.toml node '{node}': no article '{slug}'",
                flow.id
            );
        }
    }
}
