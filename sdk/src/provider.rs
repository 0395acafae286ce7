//! The trait provider authors implement. Every operation but `describe` has a default
//! that answers `not_implemented`, so a provider writes only what its transport does.

use crate::error::not_implemented;
use crate::{
    Check, Command, Context, Description, LogSource, Observation, Output, ProviderError, Stdin,
    VolumeAction,
};

pub trait ProviderImpl {
    fn describe() -> Description;

    /// The JSON Schema of the provider's cloud.yaml section, which the host checks
    /// and fills defaults from (contract 0.4.0); `None`: the section arrives as
    /// written. `include_str!("../config.schema.json")` keeps it beside the crate.
    fn config_schema() -> Option<String> {
        None
    }

    fn doctor(_ctx: Context) -> Result<Vec<Check>, ProviderError> {
        Ok(Vec::new())
    }
    fn build(_ctx: Context) -> Result<(), ProviderError> {
        Err(unsupported::<Self>("build"))
    }
    fn deploy(_ctx: Context) -> Result<(), ProviderError> {
        Err(unsupported::<Self>("deploy"))
    }
    fn exec(_ctx: Context, _command_line: String, _input: Stdin) -> Result<Output, ProviderError> {
        Err(unsupported::<Self>("exec"))
    }
    fn upload(_ctx: Context, _destination: String, _content: Vec<u8>) -> Result<(), ProviderError> {
        Err(unsupported::<Self>("upload"))
    }
    fn read_file(_ctx: Context, _path: String) -> Result<Vec<u8>, ProviderError> {
        Err(unsupported::<Self>("read-file"))
    }
    fn logs(_ctx: Context, _follow: bool) -> Result<LogSource, ProviderError> {
        Err(unsupported::<Self>("logs"))
    }
    fn attach_command(_ctx: Context) -> Result<Command, ProviderError> {
        Err(unsupported::<Self>("attach"))
    }
    fn volume(_ctx: Context, _action: VolumeAction) -> Result<String, ProviderError> {
        Err(unsupported::<Self>("volume"))
    }
    fn down(_ctx: Context) -> Result<(), ProviderError> {
        Err(unsupported::<Self>("down"))
    }
    fn destroy(_ctx: Context) -> Result<(), ProviderError> {
        Err(unsupported::<Self>("destroy"))
    }
    /// The runner's state without running anything in it (contract 0.3.0). A
    /// provider that leaves it out still works: the host then learns the state from
    /// a failed `exec` alone.
    fn observe(_ctx: Context) -> Result<Observation, ProviderError> {
        Err(unsupported::<Self>("observe"))
    }
    /// Whether this configuration gives each isolated chain a runner of its own
    /// (contract 0.6.0); the host then names it in every operation on that chain
    /// (`runner::selected`). One shared runner unless a provider says otherwise.
    fn chain_runners(_ctx: Context) -> Result<bool, ProviderError> {
        Ok(false)
    }
}

fn unsupported<P: ProviderImpl + ?Sized>(operation: &str) -> ProviderError {
    not_implemented(&P::describe().name, operation)
}

/// Exports a type implementing [`ProviderImpl`] as the component's `provider`
/// interface.
#[macro_export]
macro_rules! export {
    ($provider:ty) => {
        struct __MegaplanCloudExport;

        impl $crate::Provider for __MegaplanCloudExport {
            fn config_schema() -> Option<String> {
                <$provider as $crate::ProviderImpl>::config_schema()
            }
            fn describe() -> $crate::Description {
                <$provider as $crate::ProviderImpl>::describe()
            }
            fn doctor(ctx: $crate::Context) -> Result<Vec<$crate::Check>, $crate::ProviderError> {
                <$provider as $crate::ProviderImpl>::doctor(ctx)
            }
            fn build(ctx: $crate::Context) -> Result<(), $crate::ProviderError> {
                <$provider as $crate::ProviderImpl>::build(ctx)
            }
            fn deploy(ctx: $crate::Context) -> Result<(), $crate::ProviderError> {
                <$provider as $crate::ProviderImpl>::deploy(ctx)
            }
            fn exec(
                ctx: $crate::Context,
                command_line: String,
                input: $crate::Stdin,
            ) -> Result<$crate::Output, $crate::ProviderError> {
                <$provider as $crate::ProviderImpl>::exec(ctx, command_line, input)
            }
            fn upload(
                ctx: $crate::Context,
                destination: String,
                content: Vec<u8>,
            ) -> Result<(), $crate::ProviderError> {
                <$provider as $crate::ProviderImpl>::upload(ctx, destination, content)
            }
            fn read_file(
                ctx: $crate::Context,
                path: String,
            ) -> Result<Vec<u8>, $crate::ProviderError> {
                <$provider as $crate::ProviderImpl>::read_file(ctx, path)
            }
            fn logs(
                ctx: $crate::Context,
                follow: bool,
            ) -> Result<$crate::LogSource, $crate::ProviderError> {
                <$provider as $crate::ProviderImpl>::logs(ctx, follow)
            }
            fn attach_command(
                ctx: $crate::Context,
            ) -> Result<$crate::Command, $crate::ProviderError> {
                <$provider as $crate::ProviderImpl>::attach_command(ctx)
            }
            fn volume(
                ctx: $crate::Context,
                action: $crate::VolumeAction,
            ) -> Result<String, $crate::ProviderError> {
                <$provider as $crate::ProviderImpl>::volume(ctx, action)
            }
            fn down(ctx: $crate::Context) -> Result<(), $crate::ProviderError> {
                <$provider as $crate::ProviderImpl>::down(ctx)
            }
            fn destroy(ctx: $crate::Context) -> Result<(), $crate::ProviderError> {
                <$provider as $crate::ProviderImpl>::destroy(ctx)
            }
            fn observe(ctx: $crate::Context) -> Result<$crate::Observation, $crate::ProviderError> {
                <$provider as $crate::ProviderImpl>::observe(ctx)
            }
            fn chain_runners(ctx: $crate::Context) -> Result<bool, $crate::ProviderError> {
                <$provider as $crate::ProviderImpl>::chain_runners(ctx)
            }
        }

        $crate::bindings::export_provider!(__MegaplanCloudExport);
    };
}
