//! One arm per action, each a few lines: call the `ops` function, print its result.

use std::process::ExitCode;

use clap::CommandFactory;
use serde_json::{Value, json};

use super::args::{Action, Cli, ProviderAction, RepoOverrides};
use super::output;
use crate::error::{CloudError, CloudResult};
use crate::ops::{self, Context};

pub fn run(ctx: &mut Context, action: Action) -> CloudResult<ExitCode> {
    match action {
        Action::Init { force } => {
            let path = ops::init(ctx, force)?;
            print(
                ctx,
                &json!({"success": true, "cloud_yaml": path.display().to_string()}),
            )
        }
        Action::Schema => print(ctx, &ops::schema(ctx)?),
        Action::Doctor => {
            let report = ops::doctor(ctx)?;
            let healthy = report.success;
            print(ctx, &to_json(&report)?)?;
            Ok(exit_code(healthy))
        }
        Action::Build => done(ops::build(ctx)),
        Action::Deploy {
            wait_timeout,
            no_wait,
        } => {
            let wait = (!no_wait).then(|| std::time::Duration::from_secs(wait_timeout));
            done(ops::deploy(ctx, wait))
        }
        Action::Chain {
            spec,
            idea_dir,
            repo,
            launch,
        } => {
            let repo = overrides(repo);
            let request = ops::ChainRequest {
                spec: &spec,
                idea_dir: idea_dir.as_deref(),
                repo: &repo,
                isolated: launch.isolated,
                fresh: launch.fresh,
                verify_secs: (!launch.no_verify).then_some(launch.verify_timeout),
            };
            match ops::chain(ctx, &request)? {
                Some(payload) => print(ctx, &payload),
                None => Ok(ExitCode::SUCCESS),
            }
        }
        Action::Bootstrap {
            idea_file,
            plan_name,
            robustness,
            repo,
        } => {
            let repo = overrides(repo);
            let options = ops::BootstrapOptions {
                idea_file: &idea_file,
                plan_name: plan_name.as_deref(),
                robustness: &robustness,
                repo: &repo,
            };
            done(ops::bootstrap(ctx, &options))
        }
        Action::Status {
            chain: true,
            all,
            remote_spec,
            session,
            ..
        } => {
            let remote_spec = remote_spec.as_deref();
            let pick = match session.as_deref() {
                _ if all => ops::ChainPick::All,
                Some(session) => ops::ChainPick::Session {
                    session,
                    remote_spec,
                },
                None => ops::ChainPick::Last { remote_spec },
            };
            match ops::chain_status(ctx, &pick)? {
                Some(status) => {
                    let text = ctx.redactor().redact(&status.text).into_owned();
                    ctx.console.err(text.as_bytes());
                    print(ctx, &status.payload)
                }
                None => Ok(ExitCode::SUCCESS),
            }
        }
        Action::Status { plan, .. } => match ops::status(ctx, plan.as_deref())? {
            Some(payload) => print(ctx, &Value::Object(payload)),
            None => Ok(ExitCode::SUCCESS),
        },
        Action::Resume { plan } => done(ops::resume(ctx, plan.as_deref())),
        Action::Supervise { chain, remote_spec } => {
            match ops::supervise(ctx, chain, remote_spec.as_deref())? {
                Some(tick) => {
                    ctx.console.err_line(&ctx.redactor().redact(&tick.line));
                    print(ctx, &tick.report)?;
                    Ok(exit_code(tick.success()))
                }
                None => Ok(ExitCode::SUCCESS),
            }
        }
        Action::Exec { command } => done(ops::exec(ctx, &command)),
        Action::Logs { no_follow } => done(ops::logs(ctx, !no_follow)),
        Action::Attach { session } => done(ops::attach(ctx, session)),
        Action::Down => done(ops::down(ctx)),
        Action::Destroy {
            yes,
            purge_workspace,
        } => {
            let console = ctx.console.clone();
            let destroyed = ops::destroy(ctx, yes, purge_workspace, &mut |prompt| {
                console.confirm(prompt)
            })?;
            Ok(exit_code(destroyed))
        }
        Action::Provider(action) => provider(ctx, action),
        Action::Completions { shell } => {
            let mut out = Vec::new();
            clap_complete::generate(shell, &mut Cli::command(), "megaplan-cloud", &mut out);
            ctx.console.out(&out);
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn provider(ctx: &mut Context, action: ProviderAction) -> CloudResult<ExitCode> {
    let payload = match action {
        ProviderAction::List => ops::provider_list(ctx)?,
        ProviderAction::Inspect { provider } => ops::provider_inspect(ctx, &provider)?,
        ProviderAction::Install {
            file,
            grants,
            unrestricted,
            yes,
        } => {
            let request = ops::InstallRequest {
                file: &file,
                grants,
                unrestricted,
                yes,
            };
            let console = ctx.console.clone();
            ops::provider_install(ctx, request, &mut |prompt| console.ask(prompt))?
        }
        ProviderAction::Test {
            component,
            cassettes,
            json,
        } => return provider_test(ctx, &component, &cassettes, json),
        ProviderAction::New { name, dir, sdk } => {
            let request = ops::NewProvider {
                name: &name,
                dir: dir.as_deref(),
                sdk: sdk.as_deref(),
            };
            ops::new_provider(ctx, request)?
        }
    };
    print(ctx, &payload)
}

/// The report on stdout (text, or JSON with `--json`); exit 1 when a check failed.
fn provider_test(
    ctx: &mut Context,
    component: &std::path::Path,
    cassettes: &std::path::Path,
    json: bool,
) -> CloudResult<ExitCode> {
    let record = match ctx.options.record.take() {
        None => false,
        Some(file) if file.as_os_str().is_empty() => true,
        Some(file) => {
            return Err(CloudError::new(
                "invalid_args",
                format!(
                    "provider test --record takes no FILE (got {}): it records each operation into --cassettes DIR",
                    file.display()
                ),
            ));
        }
    };
    let component = ctx.local_path(&component.to_string_lossy());
    let cassettes = ctx.local_path(&cassettes.to_string_lossy());
    let request = ops::TestRequest {
        component: &component,
        cassettes: &cassettes,
        record,
    };
    let report = ops::provider_test(ctx, &request)?;
    if json {
        print(ctx, &report.json())?;
    } else {
        let text = ctx.redactor().redact(&report.text()).into_owned();
        ctx.console.out(text.as_bytes());
    }
    Ok(exit_code(report.passed()))
}

fn overrides(repo: RepoOverrides) -> ops::RepoOverrides {
    ops::RepoOverrides {
        url: repo.repo_url,
        branch: repo.repo_branch,
        workspace: repo.repo_workspace,
    }
}

fn print(ctx: &Context, value: &Value) -> CloudResult<ExitCode> {
    output::json(&ctx.console, ctx.redactor(), value);
    Ok(ExitCode::SUCCESS)
}

fn to_json(value: &impl serde::Serialize) -> CloudResult<Value> {
    serde_json::to_value(value)
        .map_err(|e| CloudError::new("internal_error", format!("cannot encode the result: {e}")))
}

fn exit_code(success: bool) -> ExitCode {
    if success {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

fn done(result: CloudResult<()>) -> CloudResult<ExitCode> {
    result.map(|()| ExitCode::SUCCESS)
}
