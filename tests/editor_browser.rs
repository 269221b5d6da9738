//! The editor page in real headless Chromium (Debian `chromium`, driven by playwright-core
//! from `tests/editor/`, both installed by `make setup`): load `/editor`, edit the draft,
//! save, validate, diff, publish, and see the new version listed. The screenshot is kept in
//! the target dir (`editor-e2e.png`); its path is printed.

mod common;

use std::process::Command;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_editor_publishes_an_ontology_change_in_the_browser() {
    let engine = common::new_engine();
    let (_, key) = engine
        .security()
        .keys
        .create(zhiku::security::Role::Editor, &[], None)
        .unwrap();
    let base = common::serve(engine.clone());
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| common::root().join("target"));
    std::fs::create_dir_all(&target).unwrap();
    let shot = target.join("editor-e2e.png");
    let script = common::root().join("tests/editor/editor.mjs");
    let out = tokio::task::spawn_blocking(move || {
        Command::new("node")
            .arg(script)
            .arg(&base)
            .arg(&shot)
            .arg(&key)
            .output()
            .expect("node runs (make setup installs playwright-core and chromium)")
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    eprintln!("{stdout}{stderr}");
    eprintln!("screenshot: {}", target.join("editor-e2e.png").display());
    assert!(out.status.success(), "editor e2e failed:\n{stdout}\n{stderr}");
    assert!(stdout.contains("editor e2e ok: published v2"), "{stdout}");
    // The page's publish went through the real engine.
    let v = engine.ontology_versions().unwrap();
    assert_eq!(v.current, 2);
    assert!(
        engine
            .ontology_terms(zhiku::engine::SchemaRef::Current)
            .unwrap()
            .classes
            .iter()
            .any(|c| c.iri == "https://zhiku.dev/ns#GiftWrapping")
    );
}
