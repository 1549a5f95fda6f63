# The WebView's client: serves the bundled assets, keeps navigation to allowed hosts in the
# app and opens everything else in the browser, tracks history for the back gesture, and
# survives a renderer crash by starting the page again.
.class public Lapp/nativiweb/shell/ShellClient;
.super Landroid/webkit/WebViewClient;
.source "ShellClient.smali"

.field private final activity:Lapp/nativiweb/shell/MainActivity;

# Whether a page has been shown (committed) in this WebView yet.
.field private shown:Z

.method public constructor <init>(Lapp/nativiweb/shell/MainActivity;)V
    .registers 2
    invoke-direct {p0}, Landroid/webkit/WebViewClient;-><init>()V
    iput-object p1, p0, Lapp/nativiweb/shell/ShellClient;->activity:Lapp/nativiweb/shell/MainActivity;
    return-void
.end method

.method public shouldInterceptRequest(Landroid/webkit/WebView;Landroid/webkit/WebResourceRequest;)Landroid/webkit/WebResourceResponse;
    .registers 4
    iget-object v0, p0, Lapp/nativiweb/shell/ShellClient;->activity:Lapp/nativiweb/shell/MainActivity;
    invoke-static {v0, p2}, Lapp/nativiweb/shell/Assets;->serve(Lapp/nativiweb/shell/MainActivity;Landroid/webkit/WebResourceRequest;)Landroid/webkit/WebResourceResponse;
    move-result-object v0
    return-object v0
.end method

# Main-frame navigations (links, and server redirects, which Android 7+ also sends here) to
# the asset host or an allowed host stay in the app; anything else opens outside. A redirect
# out of the app is cancelled by returning true, and the page before it stays; if none was
# shown yet (the start URL itself redirected away), the app steps back as the back button
# would, which closes it, rather than sit blank.
.method public shouldOverrideUrlLoading(Landroid/webkit/WebView;Landroid/webkit/WebResourceRequest;)Z
    .registers 7
    invoke-interface {p2}, Landroid/webkit/WebResourceRequest;->isForMainFrame()Z
    move-result v0
    if-nez v0, :main_frame
    const/4 v0, 0x0
    return v0
    :main_frame
    invoke-interface {p2}, Landroid/webkit/WebResourceRequest;->getUrl()Landroid/net/Uri;
    move-result-object v0
    iget-object v1, p0, Lapp/nativiweb/shell/ShellClient;->activity:Lapp/nativiweb/shell/MainActivity;
    invoke-static {v1, v0}, Lapp/nativiweb/shell/Assets;->inApp(Lapp/nativiweb/shell/MainActivity;Landroid/net/Uri;)Z
    move-result v2
    if-eqz v2, :outside
    const/4 v2, 0x0
    return v2
    :outside
    # Any RuntimeException from startActivity means "could not open it": no app for the link
    # (ActivityNotFoundException), a target that refuses us (SecurityException), a file:// URI
    # on Android 7+ (FileUriExposedException), ...
    :try_start
    new-instance v2, Landroid/content/Intent;
    const-string v3, "android.intent.action.VIEW"
    invoke-direct {v2, v3, v0}, Landroid/content/Intent;-><init>(Ljava/lang/String;Landroid/net/Uri;)V
    invoke-virtual {v1, v2}, Landroid/app/Activity;->startActivity(Landroid/content/Intent;)V
    :try_end
    .catch Ljava/lang/RuntimeException; {:try_start .. :try_end} :opened
    :opened
    invoke-interface {p2}, Landroid/webkit/WebResourceRequest;->isRedirect()Z
    move-result v2
    if-eqz v2, :handled
    iget-boolean v2, p0, Lapp/nativiweb/shell/ShellClient;->shown:Z
    if-nez v2, :handled
    invoke-virtual {v1}, Lapp/nativiweb/shell/MainActivity;->goBackOrExit()V
    :handled
    const/4 v2, 0x1
    return v2
.end method

# A page committed: remember that one was shown, and update the back gesture.
.method public doUpdateVisitedHistory(Landroid/webkit/WebView;Ljava/lang/String;Z)V
    .registers 5
    const/4 v0, 0x1
    iput-boolean v0, p0, Lapp/nativiweb/shell/ShellClient;->shown:Z
    iget-object v0, p0, Lapp/nativiweb/shell/ShellClient;->activity:Lapp/nativiweb/shell/MainActivity;
    invoke-virtual {v0}, Lapp/nativiweb/shell/MainActivity;->updateBack()V
    return-void
.end method

# API 26+: the renderer crashed or was killed. Drop the dead WebView and recreate the activity
# (which loads the start URL again) instead of letting the whole app crash.
.method public onRenderProcessGone(Landroid/webkit/WebView;Landroid/webkit/RenderProcessGoneDetail;)Z
    .registers 5
    invoke-virtual {p1}, Landroid/view/View;->getParent()Landroid/view/ViewParent;
    move-result-object v0
    instance-of v1, v0, Landroid/view/ViewGroup;
    if-eqz v1, :destroy
    check-cast v0, Landroid/view/ViewGroup;
    invoke-virtual {v0, p1}, Landroid/view/ViewGroup;->removeView(Landroid/view/View;)V
    :destroy
    invoke-virtual {p1}, Landroid/webkit/WebView;->destroy()V
    iget-object v0, p0, Lapp/nativiweb/shell/ShellClient;->activity:Lapp/nativiweb/shell/MainActivity;
    const/4 v1, 0x0
    iput-object v1, v0, Lapp/nativiweb/shell/MainActivity;->webView:Landroid/webkit/WebView;
    invoke-virtual {v0}, Landroid/app/Activity;->recreate()V
    const/4 v0, 0x1
    return v0
.end method
