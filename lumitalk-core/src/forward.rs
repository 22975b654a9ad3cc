//! `Arc<T>` and `Box<T>` implement every provider and store trait by
//! forwarding to `T`, written once by [`forward_to_inner!`].

/// Implements `$trait` for each smart pointer listed (`[Arc, Box]`) by calling
/// the pointee. List every method, default methods included (or the pointer
/// would use the default instead of the pointee's override): synchronous ones
/// first, then the `async` ones.
macro_rules! forward_to_inner {
    ($trait:ident for [$($ptr:ident),+] $body:tt) => {
        $( $crate::forward::forward_to_inner!(@impl $ptr $trait $body); )+
    };
    (@impl $ptr:ident $trait:ident {
        $( fn $sname:ident(&self $(, $sarg:ident : $sty:ty)* $(,)?) -> $sret:ty; )*
        $( async fn $aname:ident(&self $(, $aarg:ident : $aty:ty)* $(,)?) -> $aret:ty; )*
    }) => {
        #[async_trait::async_trait]
        impl<T: $trait + ?Sized> $trait for $ptr<T> {
            $( fn $sname(&self $(, $sarg: $sty)*) -> $sret {
                (**self).$sname($($sarg),*)
            } )*
            $( async fn $aname(&self $(, $aarg: $aty)*) -> $aret {
                (**self).$aname($($aarg),*).await
            } )*
        }
    };
}

pub(crate) use forward_to_inner;
