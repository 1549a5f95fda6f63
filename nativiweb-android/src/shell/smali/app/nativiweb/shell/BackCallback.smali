# Android 13+ (API 33) back handling: registered on the activity's OnBackInvokedDispatcher
# while the WebView can go back. Only loaded on API 33+, where OnBackInvokedCallback exists.
.class public Lapp/nativiweb/shell/BackCallback;
.super Ljava/lang/Object;
.source "BackCallback.smali"

.implements Landroid/window/OnBackInvokedCallback;

.field private final activity:Lapp/nativiweb/shell/MainActivity;

.field private registered:Z

.method public constructor <init>(Lapp/nativiweb/shell/MainActivity;)V
    .registers 2
    invoke-direct {p0}, Ljava/lang/Object;-><init>()V
    iput-object p1, p0, Lapp/nativiweb/shell/BackCallback;->activity:Lapp/nativiweb/shell/MainActivity;
    return-void
.end method

.method public onBackInvoked()V
    .registers 2
    iget-object v0, p0, Lapp/nativiweb/shell/BackCallback;->activity:Lapp/nativiweb/shell/MainActivity;
    invoke-virtual {v0}, Lapp/nativiweb/shell/MainActivity;->goBackOrExit()V
    invoke-virtual {p0}, Lapp/nativiweb/shell/BackCallback;->update()V
    return-void
.end method

# Registers or unregisters this callback to match WebView.canGoBack().
.method public update()V
    .registers 5
    iget-object v0, p0, Lapp/nativiweb/shell/BackCallback;->activity:Lapp/nativiweb/shell/MainActivity;
    iget-object v1, v0, Lapp/nativiweb/shell/MainActivity;->webView:Landroid/webkit/WebView;
    if-eqz v1, :cannot
    invoke-virtual {v1}, Landroid/webkit/WebView;->canGoBack()Z
    move-result v1
    goto :known
    :cannot
    const/4 v1, 0x0
    :known
    iget-boolean v2, p0, Lapp/nativiweb/shell/BackCallback;->registered:Z
    if-eq v1, v2, :done
    invoke-virtual {v0}, Landroid/app/Activity;->getOnBackInvokedDispatcher()Landroid/window/OnBackInvokedDispatcher;
    move-result-object v3
    if-eqz v1, :unregister
    const/4 v2, 0x0
    invoke-interface {v3, v2, p0}, Landroid/window/OnBackInvokedDispatcher;->registerOnBackInvokedCallback(ILandroid/window/OnBackInvokedCallback;)V
    goto :remember
    :unregister
    invoke-interface {v3, p0}, Landroid/window/OnBackInvokedDispatcher;->unregisterOnBackInvokedCallback(Landroid/window/OnBackInvokedCallback;)V
    :remember
    iput-boolean v1, p0, Lapp/nativiweb/shell/BackCallback;->registered:Z
    :done
    return-void
.end method
